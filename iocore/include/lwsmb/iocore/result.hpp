// A value or a failing NTSTATUS. Errors never travel as exceptions inside the stack.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "lwsmb/iocore/ntstatus.hpp"

namespace lwsmb {

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(NtStatus status) : v_(std::in_place_index<1>, status) {     // NOLINT: implicit by design
    assert(status != NtStatus::Success);
  }

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  NtStatus status() const { return ok() ? NtStatus::Success : std::get<1>(v_); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, NtStatus> v_;
};

}  // namespace lwsmb
