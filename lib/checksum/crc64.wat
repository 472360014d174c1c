;; CRC-64/ECMA as OSS uses it (reflected polynomial 0xC96C5795D7870F42), slicing-by-8.
;; Source of the module embedded in crc64-wasm-module.ts (spec/crc64-wasm.spec.ts assembles this
;; file with wabt and checks the embedded bytes match; UPDATE_WASM=1 rewrites them).
;;
;; Memory: tables T0..T7 (256 x i64 each, T0 the byte table, Tk[i] = Tk-1[i] >> 8 ^ T0[low byte])
;; at bytes 0..16383, filled by the host; input bytes from 16384. All registers are raw CRC
;; registers (the host applies the initial and final inversions).
;;
;; lanes4 runs four independent lanes at p, p+len, p+2len, p+3len (len a multiple of 8): one
;; dependency chain per lane, so the table loads of four lanes overlap. The host combines the
;; lane CRCs (crc64Combine). Lanes 1-3 come back through the globals r1..r3.
(module
  (memory (export "memory") 18)
  (global $r1 (export "r1") (mut i64) (i64.const 0))
  (global $r2 (export "r2") (mut i64) (i64.const 0))
  (global $r3 (export "r3") (mut i64) (i64.const 0))
  (func (export "lanes4") (param $c0 i64) (param $c1 i64) (param $c2 i64) (param $c3 i64) (param $p i32) (param $len i32) (result i64)
    (local $end i32) (local $lo i32) (local $hi i32)
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (block $done
      (loop $words
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $c0 (i64.xor (local.get $c0) (i64.load (local.get $p))))
        (local.set $lo (i32.wrap_i64 (local.get $c0)))
        (local.set $hi (i32.wrap_i64 (i64.shr_u (local.get $c0) (i64.const 32))))
        (local.set $c0
          (i64.xor
            (i64.xor
              (i64.xor
                (i64.load offset=14336 (i32.shl (i32.and (local.get $lo) (i32.const 255)) (i32.const 3)))
                (i64.load offset=12288 (i32.shl (i32.and (i32.shr_u (local.get $lo) (i32.const 8)) (i32.const 255)) (i32.const 3))))
              (i64.xor
                (i64.load offset=10240 (i32.shl (i32.and (i32.shr_u (local.get $lo) (i32.const 16)) (i32.const 255)) (i32.const 3)))
                (i64.load offset=8192 (i32.shl (i32.shr_u (local.get $lo) (i32.const 24)) (i32.const 3)))))
            (i64.xor
              (i64.xor
                (i64.load offset=6144 (i32.shl (i32.and (local.get $hi) (i32.const 255)) (i32.const 3)))
                (i64.load offset=4096 (i32.shl (i32.and (i32.shr_u (local.get $hi) (i32.const 8)) (i32.const 255)) (i32.const 3))))
              (i64.xor
                (i64.load offset=2048 (i32.shl (i32.and (i32.shr_u (local.get $hi) (i32.const 16)) (i32.const 255)) (i32.const 3)))
                (i64.load (i32.shl (i32.shr_u (local.get $hi) (i32.const 24)) (i32.const 3)))))))
        (local.set $c1 (i64.xor (local.get $c1) (i64.load (i32.add (local.get $p) (local.get $len)))))
        (local.set $lo (i32.wrap_i64 (local.get $c1)))
        (local.set $hi (i32.wrap_i64 (i64.shr_u (local.get $c1) (i64.const 32))))
        (local.set $c1
          (i64.xor
            (i64.xor
              (i64.xor
                (i64.load offset=14336 (i32.shl (i32.and (local.get $lo) (i32.const 255)) (i32.const 3)))
                (i64.load offset=12288 (i32.shl (i32.and (i32.shr_u (local.get $lo) (i32.const 8)) (i32.const 255)) (i32.const 3))))
              (i64.xor
                (i64.load offset=10240 (i32.shl (i32.and (i32.shr_u (local.get $lo) (i32.const 16)) (i32.const 255)) (i32.const 3)))
                (i64.load offset=8192 (i32.shl (i32.shr_u (local.get $lo) (i32.const 24)) (i32.const 3)))))
            (i64.xor
              (i64.xor
                (i64.load offset=6144 (i32.shl (i32.and (local.get $hi) (i32.const 255)) (i32.const 3)))
                (i64.load offset=4096 (i32.shl (i32.and (i32.shr_u (local.get $hi) (i32.const 8)) (i32.const 255)) (i32.const 3))))
              (i64.xor
                (i64.load offset=2048 (i32.shl (i32.and (i32.shr_u (local.get $hi) (i32.const 16)) (i32.const 255)) (i32.const 3)))
                (i64.load (i32.shl (i32.shr_u (local.get $hi) (i32.const 24)) (i32.const 3)))))))
        (local.set $c2 (i64.xor (local.get $c2) (i64.load (i32.add (local.get $p) (i32.shl (local.get $len) (i32.const 1))))))
        (local.set $lo (i32.wrap_i64 (local.get $c2)))
        (local.set $hi (i32.wrap_i64 (i64.shr_u (local.get $c2) (i64.const 32))))
        (local.set $c2
          (i64.xor
            (i64.xor
              (i64.xor
                (i64.load offset=14336 (i32.shl (i32.and (local.get $lo) (i32.const 255)) (i32.const 3)))
                (i64.load offset=12288 (i32.shl (i32.and (i32.shr_u (local.get $lo) (i32.const 8)) (i32.const 255)) (i32.const 3))))
              (i64.xor
                (i64.load offset=10240 (i32.shl (i32.and (i32.shr_u (local.get $lo) (i32.const 16)) (i32.const 255)) (i32.const 3)))
                (i64.load offset=8192 (i32.shl (i32.shr_u (local.get $lo) (i32.const 24)) (i32.const 3)))))
            (i64.xor
              (i64.xor
                (i64.load offset=6144 (i32.shl (i32.and (local.get $hi) (i32.const 255)) (i32.const 3)))
                (i64.load offset=4096 (i32.shl (i32.and (i32.shr_u (local.get $hi) (i32.const 8)) (i32.const 255)) (i32.const 3))))
              (i64.xor
                (i64.load offset=2048 (i32.shl (i32.and (i32.shr_u (local.get $hi) (i32.const 16)) (i32.const 255)) (i32.const 3)))
                (i64.load (i32.shl (i32.shr_u (local.get $hi) (i32.const 24)) (i32.const 3)))))))
        (local.set $c3 (i64.xor (local.get $c3) (i64.load (i32.add (local.get $p) (i32.mul (local.get $len) (i32.const 3))))))
        (local.set $lo (i32.wrap_i64 (local.get $c3)))
        (local.set $hi (i32.wrap_i64 (i64.shr_u (local.get $c3) (i64.const 32))))
        (local.set $c3
          (i64.xor
            (i64.xor
              (i64.xor
                (i64.load offset=14336 (i32.shl (i32.and (local.get $lo) (i32.const 255)) (i32.const 3)))
                (i64.load offset=12288 (i32.shl (i32.and (i32.shr_u (local.get $lo) (i32.const 8)) (i32.const 255)) (i32.const 3))))
              (i64.xor
                (i64.load offset=10240 (i32.shl (i32.and (i32.shr_u (local.get $lo) (i32.const 16)) (i32.const 255)) (i32.const 3)))
                (i64.load offset=8192 (i32.shl (i32.shr_u (local.get $lo) (i32.const 24)) (i32.const 3)))))
            (i64.xor
              (i64.xor
                (i64.load offset=6144 (i32.shl (i32.and (local.get $hi) (i32.const 255)) (i32.const 3)))
                (i64.load offset=4096 (i32.shl (i32.and (i32.shr_u (local.get $hi) (i32.const 8)) (i32.const 255)) (i32.const 3))))
              (i64.xor
                (i64.load offset=2048 (i32.shl (i32.and (i32.shr_u (local.get $hi) (i32.const 16)) (i32.const 255)) (i32.const 3)))
                (i64.load (i32.shl (i32.shr_u (local.get $hi) (i32.const 24)) (i32.const 3)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $words)))
    (global.set $r1 (local.get $c1))
    (global.set $r2 (local.get $c2))
    (global.set $r3 (local.get $c3))
    (local.get $c0))
  (func (export "update") (param $crc i64) (param $p i32) (param $len i32) (result i64)
    (local $end i32) (local $end8 i32) (local $lo i32) (local $hi i32)
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (local.set $end8 (i32.add (local.get $p) (i32.and (local.get $len) (i32.const -8))))
    (block $words_done
      (loop $words
        (br_if $words_done (i32.ge_u (local.get $p) (local.get $end8)))
        (local.set $crc (i64.xor (local.get $crc) (i64.load (local.get $p))))
        (local.set $lo (i32.wrap_i64 (local.get $crc)))
        (local.set $hi (i32.wrap_i64 (i64.shr_u (local.get $crc) (i64.const 32))))
        (local.set $crc
          (i64.xor
            (i64.xor
              (i64.xor
                (i64.load offset=14336 (i32.shl (i32.and (local.get $lo) (i32.const 255)) (i32.const 3)))
                (i64.load offset=12288 (i32.shl (i32.and (i32.shr_u (local.get $lo) (i32.const 8)) (i32.const 255)) (i32.const 3))))
              (i64.xor
                (i64.load offset=10240 (i32.shl (i32.and (i32.shr_u (local.get $lo) (i32.const 16)) (i32.const 255)) (i32.const 3)))
                (i64.load offset=8192 (i32.shl (i32.shr_u (local.get $lo) (i32.const 24)) (i32.const 3)))))
            (i64.xor
              (i64.xor
                (i64.load offset=6144 (i32.shl (i32.and (local.get $hi) (i32.const 255)) (i32.const 3)))
                (i64.load offset=4096 (i32.shl (i32.and (i32.shr_u (local.get $hi) (i32.const 8)) (i32.const 255)) (i32.const 3))))
              (i64.xor
                (i64.load offset=2048 (i32.shl (i32.and (i32.shr_u (local.get $hi) (i32.const 16)) (i32.const 255)) (i32.const 3)))
                (i64.load (i32.shl (i32.shr_u (local.get $hi) (i32.const 24)) (i32.const 3)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $words)))
    (block $bytes_done
      (loop $bytes
        (br_if $bytes_done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $crc
          (i64.xor
            (i64.load (i32.shl (i32.and (i32.xor (i32.wrap_i64 (local.get $crc)) (i32.load8_u (local.get $p))) (i32.const 255)) (i32.const 3)))
            (i64.shr_u (local.get $crc) (i64.const 8))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $bytes)))
    (local.get $crc))
)
