;; The two passes of Pillow's fixed-point Lanczos resize (see lanczos-resample.ts) with 128-bit SIMD.
;; Integer sums are exact and never overflow 32 bits (|Σ weights| < 2^23, pixels ≤ 255), so summing
;; four or sixteen lanes at a time gives Pillow's result to the bit. Coefficient tables are i32:
;; first[i], count[i], weights[i·taps + t]; sums start at 2^21 (rounding) and are clamped after >> 22.
(module
  (memory (export "memory") 1)

  (func $clip8 (param $sum i32) (result i32)
    (local $v i32)
    (local.set $v (i32.shr_s (local.get $sum) (i32.const 22)))
    (select (i32.const 0)
      (select (i32.const 255) (local.get $v) (i32.gt_s (local.get $v) (i32.const 255)))
      (i32.lt_s (local.get $v) (i32.const 0))))

  ;; out[y·outWidth + x] = clip8(2^21 + Σt src[(firstRow + y)·srcWidth + first[x] + t] · weights[x·taps + t])
  (func (export "horizontal")
    (param $src i32) (param $srcWidth i32) (param $firstRow i32) (param $rows i32)
    (param $first i32) (param $count i32) (param $weights i32) (param $taps i32)
    (param $out i32) (param $outWidth i32)
    (local $y i32) (local $x i32) (local $row i32) (local $p i32) (local $w i32) (local $n i32)
    (local $t i32) (local $acc v128) (local $pixels v128) (local $sum i32)
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_s (local.get $y) (local.get $rows)))
        (local.set $row (i32.add (local.get $src)
          (i32.mul (i32.add (local.get $y) (local.get $firstRow)) (local.get $srcWidth))))
        (local.set $x (i32.const 0))
        (block $columnsDone
          (loop $columnLoop
            (br_if $columnsDone (i32.ge_s (local.get $x) (local.get $outWidth)))
            (local.set $p (i32.add (local.get $row)
              (i32.load (i32.add (local.get $first) (i32.shl (local.get $x) (i32.const 2))))))
            (local.set $n (i32.load (i32.add (local.get $count) (i32.shl (local.get $x) (i32.const 2)))))
            (local.set $w (i32.add (local.get $weights)
              (i32.shl (i32.mul (local.get $x) (local.get $taps)) (i32.const 2))))
            (local.set $acc (v128.const i32x4 0 0 0 0))
            (local.set $t (i32.const 0))
            ;; eight taps at a time
            (block $vectorDone
              (loop $vectorLoop
                (br_if $vectorDone (i32.gt_s (i32.add (local.get $t) (i32.const 8)) (local.get $n)))
                (local.set $pixels (i16x8.extend_low_i8x16_u
                  (v128.load64_zero (i32.add (local.get $p) (local.get $t)))))
                (local.set $acc (i32x4.add (local.get $acc)
                  (i32x4.add
                    (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $pixels))
                      (v128.load (i32.add (local.get $w) (i32.shl (local.get $t) (i32.const 2)))))
                    (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $pixels))
                      (v128.load offset=16 (i32.add (local.get $w) (i32.shl (local.get $t) (i32.const 2))))))))
                (local.set $t (i32.add (local.get $t) (i32.const 8)))
                (br $vectorLoop)))
            (local.set $sum (i32.add
              (i32.add (i32.const 2097152)
                (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc))))
              (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))
            (block $tailDone
              (loop $tailLoop
                (br_if $tailDone (i32.ge_s (local.get $t) (local.get $n)))
                (local.set $sum (i32.add (local.get $sum)
                  (i32.mul (i32.load8_u (i32.add (local.get $p) (local.get $t)))
                    (i32.load (i32.add (local.get $w) (i32.shl (local.get $t) (i32.const 2)))))))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $tailLoop)))
            (i32.store8 (i32.add (local.get $out) (i32.add (i32.mul (local.get $y) (local.get $outWidth)) (local.get $x)))
              (call $clip8 (local.get $sum)))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $columnLoop)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rowLoop))))

  ;; out[y·width + x] = clip8(2^21 + Σt src[(first[y] − rowOffset + t)·width + x] · weights[y·taps + t])
  (func (export "vertical")
    (param $src i32) (param $width i32) (param $rowOffset i32)
    (param $first i32) (param $count i32) (param $weights i32) (param $taps i32)
    (param $out i32) (param $outHeight i32)
    (local $y i32) (local $x i32) (local $base i32) (local $w i32) (local $n i32) (local $t i32)
    (local $k v128) (local $pixels v128) (local $low v128) (local $high v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $sum i32) (local $o i32)
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_s (local.get $y) (local.get $outHeight)))
        (local.set $base (i32.add (local.get $src) (i32.mul
          (i32.sub (i32.load (i32.add (local.get $first) (i32.shl (local.get $y) (i32.const 2)))) (local.get $rowOffset))
          (local.get $width))))
        (local.set $n (i32.load (i32.add (local.get $count) (i32.shl (local.get $y) (i32.const 2)))))
        (local.set $w (i32.add (local.get $weights) (i32.shl (i32.mul (local.get $y) (local.get $taps)) (i32.const 2))))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $y) (local.get $width))))
        (local.set $x (i32.const 0))
        ;; sixteen columns at a time, clamped with saturating narrows (the same as clip8)
        (block $vectorDone
          (loop $vectorLoop
            (br_if $vectorDone (i32.gt_s (i32.add (local.get $x) (i32.const 16)) (local.get $width)))
            (local.set $a0 (v128.const i32x4 2097152 2097152 2097152 2097152))
            (local.set $a1 (local.get $a0))
            (local.set $a2 (local.get $a0))
            (local.set $a3 (local.get $a0))
            (local.set $t (i32.const 0))
            (block $tapsDone
              (loop $tapLoop
                (br_if $tapsDone (i32.ge_s (local.get $t) (local.get $n)))
                (local.set $k (i32x4.splat (i32.load (i32.add (local.get $w) (i32.shl (local.get $t) (i32.const 2))))))
                (local.set $pixels (v128.load (i32.add (i32.add (local.get $base) (local.get $x))
                  (i32.mul (local.get $t) (local.get $width)))))
                (local.set $low (i16x8.extend_low_i8x16_u (local.get $pixels)))
                (local.set $high (i16x8.extend_high_i8x16_u (local.get $pixels)))
                (local.set $a0 (i32x4.add (local.get $a0) (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $low)) (local.get $k))))
                (local.set $a1 (i32x4.add (local.get $a1) (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $low)) (local.get $k))))
                (local.set $a2 (i32x4.add (local.get $a2) (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $high)) (local.get $k))))
                (local.set $a3 (i32x4.add (local.get $a3) (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $high)) (local.get $k))))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $tapLoop)))
            (v128.store (i32.add (local.get $o) (local.get $x))
              (i8x16.narrow_i16x8_u
                (i16x8.narrow_i32x4_s (i32x4.shr_s (local.get $a0) (i32.const 22)) (i32x4.shr_s (local.get $a1) (i32.const 22)))
                (i16x8.narrow_i32x4_s (i32x4.shr_s (local.get $a2) (i32.const 22)) (i32x4.shr_s (local.get $a3) (i32.const 22)))))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (br $vectorLoop)))
        ;; the remaining columns one by one
        (block $columnsDone
          (loop $columnLoop
            (br_if $columnsDone (i32.ge_s (local.get $x) (local.get $width)))
            (local.set $sum (i32.const 2097152))
            (local.set $t (i32.const 0))
            (block $tailDone
              (loop $tailLoop
                (br_if $tailDone (i32.ge_s (local.get $t) (local.get $n)))
                (local.set $sum (i32.add (local.get $sum)
                  (i32.mul
                    (i32.load8_u (i32.add (i32.add (local.get $base) (local.get $x)) (i32.mul (local.get $t) (local.get $width))))
                    (i32.load (i32.add (local.get $w) (i32.shl (local.get $t) (i32.const 2)))))))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $tailLoop)))
            (i32.store8 (i32.add (local.get $o) (local.get $x)) (call $clip8 (local.get $sum)))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $columnLoop)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rowLoop))))
)
