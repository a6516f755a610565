// DCE/RPC connection-oriented PDUs (C706 chapter 12, MS-RPCE 2.2.2): the common header, bind,
// bind_ack, bind_nak, alter_context(_resp), request, response and fault. Little-endian, ASCII,
// IEEE data representation only (what every SMB client sends). Decoders check every length
// against the PDU and never read past it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lwsmb/iocore/result.hpp"

namespace lwsmb::rpc {

// A UUID in its NDR wire form (the first three fields little-endian).
struct Uuid {
  std::array<std::byte, 16> bytes{};
  bool operator==(const Uuid&) const = default;
  // "4b324fc8-1670-01d3-1278-5a47bf6ee188"; nullopt when malformed.
  static std::optional<Uuid> parse(std::string_view text);
  std::string to_string() const;
};

// An interface or transfer syntax: UUID and version (major in the low 16 bits on the wire).
struct SyntaxId {
  Uuid uuid;
  uint16_t major = 0;
  uint16_t minor = 0;
  bool operator==(const SyntaxId&) const = default;
};

// NDR 2.0, NDR64 and the bind-time feature negotiation marker (MS-RPCE 3.3.1.5.3, whose last
// eight bytes are the feature bits).
const SyntaxId& ndr20_syntax();
const SyntaxId& ndr64_syntax();
bool is_bind_time_feature_syntax(const SyntaxId& s, uint64_t* features = nullptr);
SyntaxId bind_time_feature_syntax(uint64_t features);

enum class PduType : uint8_t {
  Request = 0,
  Response = 2,
  Fault = 3,
  Bind = 11,
  BindAck = 12,
  BindNak = 13,
  AlterContext = 14,
  AlterContextResp = 15,
  Auth3 = 16,
  Shutdown = 17,
  CoCancel = 18,
  Orphaned = 19,
};

namespace pfc {
inline constexpr uint8_t kFirstFrag = 0x01;
inline constexpr uint8_t kLastFrag = 0x02;
inline constexpr uint8_t kPendingCancel = 0x04;  // in bind/bind_ack: PFC_SUPPORT_HEADER_SIGN
inline constexpr uint8_t kConcMpx = 0x10;
inline constexpr uint8_t kDidNotExecute = 0x20;
inline constexpr uint8_t kMaybe = 0x40;
inline constexpr uint8_t kObjectUuid = 0x80;
}  // namespace pfc

// Fault and reject codes (C706 appendix E, MS-RPCE 2.2.2.11 and 3.1.1.5.1).
namespace fault {
inline constexpr uint32_t kAccessDenied = 0x00000005;
inline constexpr uint32_t kBadStubData = 0x000006F7;  // RPC_X_BAD_STUB_DATA (nca_s_fault_ndr)
inline constexpr uint32_t kOpRangeError = 0x1C010002;
inline constexpr uint32_t kUnknownInterface = 0x1C010003;
inline constexpr uint32_t kProtocolError = 0x1C01000B;
inline constexpr uint32_t kContextMismatch = 0x1C00001A;
inline constexpr uint32_t kRemoteNoMemory = 0x1C000014;
}  // namespace fault

namespace context_result {
inline constexpr uint16_t kAcceptance = 0;
inline constexpr uint16_t kUserRejection = 1;
inline constexpr uint16_t kProviderRejection = 2;
inline constexpr uint16_t kNegotiateAck = 3;  // bind-time feature negotiation
}  // namespace context_result

namespace context_reason {
inline constexpr uint16_t kNotSpecified = 0;
inline constexpr uint16_t kAbstractSyntaxNotSupported = 1;
inline constexpr uint16_t kTransferSyntaxesNotSupported = 2;
inline constexpr uint16_t kLocalLimitExceeded = 3;
}  // namespace context_reason

namespace bind_nak_reason {
inline constexpr uint16_t kNotSpecified = 0;
inline constexpr uint16_t kTemporaryCongestion = 1;
inline constexpr uint16_t kLocalLimitExceeded = 2;
inline constexpr uint16_t kProtocolVersionNotSupported = 4;
inline constexpr uint16_t kAuthenticationTypeNotRecognized = 8;
}  // namespace bind_nak_reason

inline constexpr size_t kPduHeaderSize = 16;
inline constexpr size_t kRequestHeaderSize = 24;  // without the object UUID
inline constexpr size_t kResponseHeaderSize = 24;
// Every implementation must take fragments this large (C706 12.6.3.4 MustRecvFragSize).
inline constexpr uint16_t kMinFragSize = 1432;

struct PduHeader {
  uint8_t version = 5;
  uint8_t version_minor = 0;
  PduType type = PduType::Request;
  uint8_t flags = 0;
  uint16_t frag_length = 0;
  uint16_t auth_length = 0;
  uint32_t call_id = 0;
};

// Checks the version (5.0 or 5.1), the data representation (little-endian, ASCII, IEEE), that
// frag_length covers the header and fits `in`, and that the auth verifier (8-byte trailer plus
// auth_length) fits inside the fragment. STATUS_RPC_PROTOCOL_ERROR otherwise;
// STATUS_BUFFER_TOO_SMALL when fewer than 16 bytes or frag_length bytes are present.
Result<PduHeader> decode_pdu_header(std::span<const std::byte> in);
// The header fields readable from any 16 bytes, unchecked (to answer a malformed PDU).
std::optional<PduHeader> peek_pdu_header(std::span<const std::byte> in);

struct PresentationContext {
  uint16_t context_id = 0;
  SyntaxId abstract_syntax;
  std::vector<SyntaxId> transfer_syntaxes;
};

// bind and alter_context (C706 12.6.4.3, 12.6.4.1).
struct BindPdu {
  uint16_t max_xmit_frag = 4280;
  uint16_t max_recv_frag = 4280;
  uint32_t assoc_group_id = 0;
  std::vector<PresentationContext> contexts;
  std::span<const std::byte> auth;  // the verifier (sec_trailer and token), when auth_length > 0
};

struct ContextResult {
  uint16_t result = context_result::kAcceptance;
  uint16_t reason = context_reason::kNotSpecified;
  SyntaxId transfer_syntax;
};

// bind_ack and alter_context_resp (C706 12.6.4.4, 12.6.4.2).
struct BindAckPdu {
  uint16_t max_xmit_frag = 4280;
  uint16_t max_recv_frag = 4280;
  uint32_t assoc_group_id = 0;
  std::string secondary_address;  // "\PIPE\srvsvc"; empty in alter_context_resp
  std::vector<ContextResult> results;
};

struct BindNakPdu {
  uint16_t reason = bind_nak_reason::kNotSpecified;
};

struct RequestPdu {
  uint32_t alloc_hint = 0;
  uint16_t context_id = 0;
  uint16_t opnum = 0;
  std::optional<Uuid> object;
  std::span<const std::byte> stub;
};

struct ResponsePdu {
  uint32_t alloc_hint = 0;
  uint16_t context_id = 0;
  uint8_t cancel_count = 0;
  std::span<const std::byte> stub;
};

struct FaultPdu {
  uint32_t alloc_hint = 0;
  uint16_t context_id = 0;
  uint8_t cancel_count = 0;
  uint32_t status = 0;
};

// Each decoder takes one whole PDU whose header decode_pdu_header accepted; spans in the
// result point into it. STATUS_RPC_PROTOCOL_ERROR when a count or length runs past the body.
Result<BindPdu> decode_bind(std::span<const std::byte> pdu);
Result<BindAckPdu> decode_bind_ack(std::span<const std::byte> pdu);
Result<BindNakPdu> decode_bind_nak(std::span<const std::byte> pdu);
Result<RequestPdu> decode_request(std::span<const std::byte> pdu);
Result<ResponsePdu> decode_response(std::span<const std::byte> pdu);
Result<FaultPdu> decode_fault(std::span<const std::byte> pdu);

// type: Bind or AlterContext.
std::vector<std::byte> encode_bind(PduType type, uint32_t call_id, const BindPdu& b);
// type: BindAck or AlterContextResp.
std::vector<std::byte> encode_bind_ack(PduType type, uint32_t call_id, const BindAckPdu& b);
std::vector<std::byte> encode_bind_nak(uint32_t call_id, const BindNakPdu& b);
std::vector<std::byte> encode_request(uint32_t call_id, uint8_t flags, const RequestPdu& r);
std::vector<std::byte> encode_response(uint32_t call_id, uint8_t flags, const ResponsePdu& r);
std::vector<std::byte> encode_fault(uint32_t call_id, uint8_t flags, const FaultPdu& f);

// Splits a call's stub into fragments of at most max_frag bytes (headers included): every
// fragment but the last carries a multiple of 8 stub bytes. At least one fragment.
std::vector<std::vector<std::byte>> fragment_request(uint32_t call_id, uint16_t context_id,
                                                     uint16_t opnum,
                                                     std::span<const std::byte> stub,
                                                     uint16_t max_frag);
std::vector<std::vector<std::byte>> fragment_response(uint32_t call_id, uint16_t context_id,
                                                      std::span<const std::byte> stub,
                                                      uint16_t max_frag);

}  // namespace lwsmb::rpc
