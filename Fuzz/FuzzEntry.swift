// The libFuzzer target over the whole entry pipeline. Not part of the package graph: it needs
// `-sanitize=fuzzer`, which only an executable of its own can have, so `scripts/fuzz` compiles
// it with the package's library sources and the shared harness:
//
//     scripts/fuzz                    # FUZZ_SECONDS=60 by default
//
// The target is `FuzzHarness.run` (Tests/NablaSessionTests/Fuzzing/FuzzHarness.swift): a
// crash, a sanitizer report or a broken invariant (reported here with `abort()`) is a finding,
// saved by libFuzzer under .build-fuzz/artifacts/.
//
// The custom mutator mixes libFuzzer's byte-level mutations with grammar-aware ones: whole
// programs from `EntryGenerator`, entries of the grammar spliced in, and `ByteMutator`'s
// bracket runs and dictionary tokens.

import NablaCore

#if canImport(Glibc)
  import Glibc
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  do {
    try FuzzHarness.run(bytes)
  } catch {
    let message = "nabla-fuzz: broken invariant: \(error)\n"
    _ = message.withCString { write(2, $0, strlen($0)) }
    abort()
  }
  return 0
}

/// libFuzzer's own mutator, for the byte-level share of mutations.
@_silgen_name("LLVMFuzzerMutate")
func LLVMFuzzerMutate(_ data: UnsafeMutablePointer<UInt8>?, _ size: Int, _ maxSize: Int) -> Int

@_cdecl("LLVMFuzzerCustomMutator")
public func fuzzCustomMutator(
  _ data: UnsafeMutablePointer<UInt8>?, _ size: Int, _ maxSize: Int, _ seed: UInt32
) -> Int {
  guard let data else { return 0 }
  var generator = EntryGenerator(seed: UInt64(seed))
  var mutator = ByteMutator(seed: UInt64(seed) &* 0x9E37_79B9)
  let current = Array(UnsafeBufferPointer(start: data, count: size))
  let result: [UInt8]
  switch seed % 10 {
  case 0, 1, 2, 3:
    return LLVMFuzzerMutate(data, size, maxSize)
  case 4, 5:
    result = mutator.mutate(current, other: Array(generator.program().utf8), maximumSize: maxSize)
  case 6:
    result = Array(generator.program().utf8)
  default:
    // One grammar entry inserted at a line boundary.
    var lines = current.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
    generator.tensors = ["x", "y", "W", "v", "A"]
    generator.functions = [("f", 1), ("g", 2), ("loss", 2)]
    lines.insert(Array(generator.entry().utf8), at: mutator.int(lines.count + 1))
    result = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
  }
  let n = min(result.count, maxSize)
  for i in 0..<n { data[i] = result[i] }
  return n
}
