// Information class numbers (MS-FSCC 2.4 and 2.5). The IRP carries them; the data itself is
// in MS-FSCC wire layout so that srv and rdr pass it through without conversion.
#pragma once

#include <cstdint>

namespace lwsmb {

enum class FileInfoClass : uint8_t {
  Directory = 1,
  FullDirectory = 2,
  BothDirectory = 3,
  Basic = 4,
  Standard = 5,
  Internal = 6,
  Ea = 7,
  Access = 8,
  Name = 9,
  Rename = 10,
  Link = 11,
  Names = 12,
  Disposition = 13,
  Position = 14,
  FullEa = 15,
  Mode = 16,
  Alignment = 17,
  All = 18,
  Allocation = 19,
  EndOfFile = 20,
  AlternateName = 21,
  Stream = 22,
  Pipe = 23,
  PipeLocal = 24,
  PipeRemote = 25,
  CompressionInformation = 28,
  NetworkOpen = 34,
  AttributeTag = 35,
  IdBothDirectory = 37,
  IdFullDirectory = 38,
  NormalizedName = 48,
  DispositionEx = 64,
  RenameEx = 65,
};

enum class FsInfoClass : uint8_t {
  Volume = 1,
  Label = 2,
  Size = 3,
  Device = 4,
  Attribute = 5,
  Control = 6,
  FullSize = 7,
  ObjectId = 8,
  SectorSize = 11,
};

}  // namespace lwsmb
