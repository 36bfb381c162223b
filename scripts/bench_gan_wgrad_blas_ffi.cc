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
//
// Two handlers: FlatShiftWgrad runs the taps one after the other in the calling XLA thread (each
// sgemm with OpenBLAS's own threads); FlatShiftWgradPool schedules one task per tap on XLA's
// intra-op thread pool and returns a future (OpenBLAS set to one thread: no second pool fighting
// XLA's for the two cores).
#include <cstdint>

#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

typedef void (*sgemm_ilp64)(int, int, int, int64_t, int64_t, int64_t, float, const float*,
                            int64_t, const float*, int64_t, float, float*, int64_t);

enum { kRowMajor = 101, kNoTrans = 111, kTrans = 112 };

static ffi::Error CheckShapes(ffi::Buffer<ffi::F32>& xp, ffi::Buffer<ffi::F32>& dyp) {
  auto xd = xp.dimensions();
  auto yd = dyp.dimensions();
  if (xd.size() != 4 || yd.size() != 4 || xd[0] != yd[0] || xd[1] != yd[1] || xd[2] != yd[2]) {
    return ffi::Error::InvalidArgument("xp and dyp must be (n, hp, wp, c) maps of one size");
  }
  return ffi::Error::Success();
}

// The operands of one call, copied out of the call frame (which a scheduled task may outlive).
struct Operands {
  const float* x;
  const float* y;
  float* out;
  int64_t k, wp, ci, co, rows;
  sgemm_ilp64 sgemm;
};

static Operands Unpack(ffi::Buffer<ffi::F32>& xp, ffi::Buffer<ffi::F32>& dyp,
                       ffi::ResultBuffer<ffi::F32>& dk, int64_t k, int64_t sgemm_address) {
  auto xd = xp.dimensions();
  const int64_t wp = xd[2];
  return {xp.typed_data(), dyp.typed_data(), dk->typed_data(), k, wp, xd[3],
          dyp.dimensions()[3], xd[0] * xd[1] * wp - ((k - 1) * wp + (k - 1)),
          reinterpret_cast<sgemm_ilp64>(sgemm_address)};
}

// Tap (i, j): out[i, j] = xp[off : off + rows].T @ dyp[:rows].
static void Tap(const Operands& o, int64_t i, int64_t j) {
  const int64_t off = i * o.wp + j;
  o.sgemm(kRowMajor, kTrans, kNoTrans, o.ci, o.co, o.rows, 1.0f, o.x + off * o.ci, o.ci, o.y,
          o.co, 0.0f, o.out + (i * o.k + j) * o.ci * o.co, o.co);
}

static ffi::Future FlatShiftWgradPoolImpl(ffi::ThreadPool pool, ffi::Buffer<ffi::F32> xp,
                                          ffi::Buffer<ffi::F32> dyp,
                                          ffi::ResultBuffer<ffi::F32> dk, int64_t k,
                                          int64_t sgemm_address) {
  ffi::CountDownPromise done(k * k);
  ffi::Future future(done);
  ffi::Error shapes = CheckShapes(xp, dyp);
  if (!shapes.success()) {
    done.CountDown(k * k, shapes);
    return future;
  }
  const Operands o = Unpack(xp, dyp, dk, k, sgemm_address);
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t j = 0; j < k; ++j) {
      pool.Schedule([=]() mutable {
        Tap(o, i, j);
        done.CountDown();
      });
    }
  }
  return future;
}

XLA_FFI_DEFINE_HANDLER_SYMBOL(FlatShiftWgradPool, FlatShiftWgradPoolImpl,
                              ffi::Ffi::Bind()
                                  .Ctx<ffi::ThreadPool>()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Ret<ffi::Buffer<ffi::F32>>()
                                  .Attr<int64_t>("k")
                                  .Attr<int64_t>("sgemm"));

static ffi::Error FlatShiftWgradImpl(ffi::Buffer<ffi::F32> xp, ffi::Buffer<ffi::F32> dyp,
                                     ffi::ResultBuffer<ffi::F32> dk, int64_t k,
                                     int64_t sgemm_address) {
  ffi::Error shapes = CheckShapes(xp, dyp);
  if (!shapes.success()) return shapes;
  const Operands o = Unpack(xp, dyp, dk, k, sgemm_address);
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t j = 0; j < k; ++j) Tap(o, i, j);
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
