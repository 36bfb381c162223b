// The weight gradient of a stride-1 VALID convolution over a zero-padded NHWC map as k*k TN
// sgemms that read both maps in place: the "flat shift" form. Benchmark-only (issue 22, goal 6):
// scripts/bench_gan_wgrad_blas.py compiles it with g++ against jaxlib's XLA FFI headers and calls
// it through jax.ffi; it is not part of the training step (it did not make the step faster).
//
// xp (n, hp, wp, ci) is the padded input, dyp (n, hp, wp, co) the output gradient placed in a zero
// map of the input's padded size. Flattened to (L, ci) and (L, co) rows, tap (i, j) of the kernel
// gradient is xp[off : off + L'].T @ dyp[:L'] with off = i * wp + j: the same row stride for every
// tap, so one sgemm with transA and no copy. L' = L - ((k - 1) * wp + k - 1) drops dyp's last
// rows, which are zeros (the bottom pad of the last image), so no tap reads past xp's end.
// The sgemm is numpy's bundled OpenBLAS (ILP64 cblas), its address passed as an attribute.
#include <cstdint>

#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

typedef void (*sgemm_ilp64)(int, int, int, int64_t, int64_t, int64_t, float, const float*,
                            int64_t, const float*, int64_t, float, float*, int64_t);

enum { kRowMajor = 101, kNoTrans = 111, kTrans = 112 };

static ffi::Error FlatShiftWgradImpl(ffi::Buffer<ffi::F32> xp, ffi::Buffer<ffi::F32> dyp,
                                     ffi::ResultBuffer<ffi::F32> dk, int64_t k,
                                     int64_t sgemm_address) {
  auto xd = xp.dimensions();
  auto yd = dyp.dimensions();
  if (xd.size() != 4 || yd.size() != 4 || xd[0] != yd[0] || xd[1] != yd[1] || xd[2] != yd[2]) {
    return ffi::Error::InvalidArgument("xp and dyp must be (n, hp, wp, c) maps of one size");
  }
  const int64_t n = xd[0], hp = xd[1], wp = xd[2], ci = xd[3], co = yd[3];
  const int64_t rows = n * hp * wp - ((k - 1) * wp + (k - 1));
  auto sgemm = reinterpret_cast<sgemm_ilp64>(sgemm_address);
  const float* x = xp.typed_data();
  const float* y = dyp.typed_data();
  float* out = dk->typed_data();
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t j = 0; j < k; ++j) {
      const int64_t off = i * wp + j;
      sgemm(kRowMajor, kTrans, kNoTrans, ci, co, rows, 1.0f, x + off * ci, ci, y, co, 0.0f,
            out + (i * k + j) * ci * co, co);
    }
  }
  return ffi::Error::Success();
}

XLA_FFI_DEFINE_HANDLER_SYMBOL(FlatShiftWgrad, FlatShiftWgradImpl,
                              ffi::Ffi::Bind()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Ret<ffi::Buffer<ffi::F32>>()
                                  .Attr<int64_t>("k")
                                  .Attr<int64_t>("sgemm"));
