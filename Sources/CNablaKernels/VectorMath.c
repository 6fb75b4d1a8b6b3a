// libmvec is looked up at run time (dlopen), so nothing links against it: a system without
// it, or with a glibc older than 2.35 (no vector tanh/tan), falls back to the scalar loops.
// tanh on AVX2 is Nabla's own kernel (`tanh4`).
#include "CNablaKernels.h"

/// x·0 is ±0 for a finite x and NaN for NaN or ±∞, so a sum of such products is NaN exactly
/// when some element is not finite. Four sums, so that the loop needs no reassociation.
static int nonFinitePlain(const double *x, long n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  long i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i] * 0;
    s1 += x[i + 1] * 0;
    s2 += x[i + 2] * 0;
    s3 += x[i + 3] * 0;
  }
  for (; i < n; i++) s0 += x[i] * 0;
  double s = (s0 + s1) + (s2 + s3);
  return s != s;
}

#if defined(__linux__) && defined(__x86_64__)
#include <dlfcn.h>
#include <immintrin.h>
#include <pthread.h>

typedef __m256d (*vector4)(__m256d);
typedef __m128d (*vector2)(__m128d);

static const char *const names4[NABLA_VECTOR_COUNT] = {
    "_ZGVdN4v_exp", "_ZGVdN4v_log", "_ZGVdN4v_sin",
    "_ZGVdN4v_cos", "_ZGVdN4v_tan", "_ZGVdN4v_tanh"};
static const char *const names2[NABLA_VECTOR_COUNT] = {
    "_ZGVbN2v_exp", "_ZGVbN2v_log", "_ZGVbN2v_sin",
    "_ZGVbN2v_cos", "_ZGVbN2v_tan", "_ZGVbN2v_tanh"};

static vector4 table4[NABLA_VECTOR_COUNT];
static int avx2;
static int ownTanh;
static vector2 table2[NABLA_VECTOR_COUNT];
static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static void load(void) {
  __builtin_cpu_init();
  avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  // Our own tanh is as accurate as libmvec's and faster (see `tanh4`), and needs no libmvec.
  ownTanh = avx2;
  void *library = dlopen("libmvec.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) return;
  for (int f = 0; f < NABLA_VECTOR_COUNT; f++) {
    if (avx2) table4[f] = (vector4)dlsym(library, names4[f]);
    table2[f] = (vector2)dlsym(library, names2[f]);
  }
}

#define SPLAT(v) _mm256_set1_pd(v)

/// tanh of four doubles, within 3 ulp of the correctly rounded value (measured against
/// long double tanhl at 4 million points spread over [-20, 20]; libmvec's tanh: 2.6), with
/// tanh(±0) = ±0, tanh(±∞) = ±1 and NaN kept. One division for both ranges:
///   |x| < 0.625: x (Q + s P) / Q with s = x², Cephes' rational approximation of
///                tanh(x) = x + x s P(s)/Q(s) (relative error 2.5e-16 in Cephes' tests);
///   otherwise:   (e − 1) / (e + 1) with e = exp(2|x|), 2|x| clamped to 40 (tanh rounds to 1
///                from |x| = 19.1): e = 2^n exp(r), |r| ≤ ln2/2, exp(r) its Taylor series to
///                r^13 (truncation below 1e-17), evaluated by Estrin's scheme.
/// The sign is put back at the end (tanh is odd).
__attribute__((target("avx2,fma"), always_inline)) static inline __m256d tanh4(__m256d x) {
  const __m256d sign = _mm256_and_pd(x, SPLAT(-0.0));
  const __m256d ax = _mm256_andnot_pd(SPLAT(-0.0), x);

  __m256d s = _mm256_mul_pd(ax, ax);
  __m256d p = _mm256_fmadd_pd(SPLAT(-9.64399179425052238628E-1), s, SPLAT(-9.92877231001918586564E1));
  p = _mm256_fmadd_pd(p, s, SPLAT(-1.61468768441708447952E3));
  __m256d q = _mm256_add_pd(s, SPLAT(1.12811678491632931402E2));
  q = _mm256_fmadd_pd(q, s, SPLAT(2.23548839060100448583E3));
  q = _mm256_fmadd_pd(q, s, SPLAT(4.84406305325125486048E3));
  __m256d smallNumerator = _mm256_mul_pd(ax, _mm256_fmadd_pd(s, p, q));

  __m256d y = _mm256_min_pd(_mm256_add_pd(ax, ax), SPLAT(40.0));
  __m256d n = _mm256_round_pd(
      _mm256_mul_pd(y, SPLAT(1.4426950408889634)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // r = y − n ln2, with ln2 in two parts (Cephes' C1 + C2; n·C1 is exact).
  __m256d r = _mm256_fnmadd_pd(n, SPLAT(6.93145751953125E-1), y);
  r = _mm256_fnmadd_pd(n, SPLAT(1.42860682030941723212E-6), r);
  __m256d r2 = _mm256_mul_pd(r, r), r4 = _mm256_mul_pd(r2, r2), r8 = _mm256_mul_pd(r4, r4);
  __m256d p01 = _mm256_add_pd(SPLAT(1.0), r);
  __m256d p23 = _mm256_fmadd_pd(SPLAT(1.0 / 6), r, SPLAT(0.5));
  __m256d p45 = _mm256_fmadd_pd(SPLAT(1.0 / 120), r, SPLAT(1.0 / 24));
  __m256d p67 = _mm256_fmadd_pd(SPLAT(1.0 / 5040), r, SPLAT(1.0 / 720));
  __m256d p89 = _mm256_fmadd_pd(SPLAT(1.0 / 362880), r, SPLAT(1.0 / 40320));
  __m256d p1011 = _mm256_fmadd_pd(SPLAT(1.0 / 39916800), r, SPLAT(1.0 / 3628800));
  __m256d p1213 = _mm256_fmadd_pd(SPLAT(1.0 / 6227020800.0), r, SPLAT(1.0 / 479001600.0));
  __m256d p03 = _mm256_fmadd_pd(p23, r2, p01);
  __m256d p47 = _mm256_fmadd_pd(p67, r2, p45);
  __m256d p811 = _mm256_fmadd_pd(p1011, r2, p89);
  __m256d p07 = _mm256_fmadd_pd(p47, r4, p03);
  __m256d p813 = _mm256_fmadd_pd(p1213, r4, p811);
  __m256d e = _mm256_fmadd_pd(p813, r8, p07);
  // 2^n: n + 1023 in the exponent field (0 ≤ n ≤ 58), through the 1.5·2^52 rounding trick.
  __m256d scale = _mm256_castsi256_pd(_mm256_slli_epi64(
      _mm256_castpd_si256(_mm256_add_pd(n, SPLAT(6755399441055744.0 + 1023.0))), 52));
  e = _mm256_mul_pd(e, scale);

  __m256d small = _mm256_cmp_pd(ax, SPLAT(0.625), _CMP_LT_OQ);
  __m256d numerator = _mm256_blendv_pd(_mm256_sub_pd(e, SPLAT(1.0)), smallNumerator, small);
  __m256d denominator = _mm256_blendv_pd(_mm256_add_pd(e, SPLAT(1.0)), q, small);
  __m256d t = _mm256_or_pd(_mm256_div_pd(numerator, denominator), sign);
  return _mm256_blendv_pd(t, x, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
}

/// `tanh4` over a buffer, inlined so that its constants stay in registers across the loop.
__attribute__((target("avx2,fma"))) static void applyTanh4(const double *x, double *y, long n) {
  long i = 0;
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(y + i, tanh4(_mm256_loadu_pd(x + i)));
  if (i < n) {
    double in[4] = {0, 0, 0, 0}, out[4];
    for (int k = 0; i + k < n; k++) in[k] = x[i + k];
    _mm256_storeu_pd(out, tanh4(_mm256_loadu_pd(in)));
    for (int k = 0; i + k < n; k++) y[i + k] = out[k];
  }
}

__attribute__((target("avx2,fma"))) static void apply4(vector4 f, const double *x, double *y, long n) {
  long i = 0;
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(y + i, f(_mm256_loadu_pd(x + i)));
  if (i < n) {
    // The tail goes through one padded call (padding with a copy of a real element keeps
    // the unused lanes in the function's domain).
    double in[4], out[4];
    for (int k = 0; k < 4; k++) in[k] = x[i + k < n ? i + k : i];
    _mm256_storeu_pd(out, f(_mm256_loadu_pd(in)));
    for (int k = 0; i + k < n; k++) y[i + k] = out[k];
  }
}

static void apply2(vector2 f, const double *x, double *y, long n) {
  long i = 0;
  for (; i + 2 <= n; i += 2) _mm_storeu_pd(y + i, f(_mm_loadu_pd(x + i)));
  if (i < n) {
    double in[2] = {x[i], x[i]}, out[2];
    _mm_storeu_pd(out, f(_mm_loadu_pd(in)));
    y[i] = out[0];
  }
}

/// `nonFinitePlain` sixteen doubles a step, in four AVX registers.
__attribute__((target("avx2,fma"))) static int nonFinite4(const double *x, long n) {
  const __m256d zero = _mm256_setzero_pd();
  __m256d s0 = zero, s1 = zero, s2 = zero, s3 = zero;
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_pd(_mm256_loadu_pd(x + i), zero, s0);
    s1 = _mm256_fmadd_pd(_mm256_loadu_pd(x + i + 4), zero, s1);
    s2 = _mm256_fmadd_pd(_mm256_loadu_pd(x + i + 8), zero, s2);
    s3 = _mm256_fmadd_pd(_mm256_loadu_pd(x + i + 12), zero, s3);
  }
  __m256d s = _mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3));
  double lanes[4];
  _mm256_storeu_pd(lanes, s);
  double rest = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  return rest != rest || nonFinitePlain(x + i, n - i);
}

int nabla_contains_non_finite(const double *x, long n) {
  pthread_once(&loaded, load);
  return avx2 ? nonFinite4(x, n) : nonFinitePlain(x, n);
}

int nabla_vector_math(nabla_vector_function f, const double *x, double *y, long n) {
  if ((unsigned)f >= NABLA_VECTOR_COUNT) return 0;
  pthread_once(&loaded, load);
  if (f == NABLA_VECTOR_TANH && ownTanh) {
    applyTanh4(x, y, n);
    return 1;
  }
  if (table4[f]) {
    apply4(table4[f], x, y, n);
    return 1;
  }
  if (table2[f]) {
    apply2(table2[f], x, y, n);
    return 1;
  }
  return 0;
}

#else

int nabla_contains_non_finite(const double *x, long n) { return nonFinitePlain(x, n); }

int nabla_vector_math(nabla_vector_function f, const double *x, double *y, long n) {
  (void)f; (void)x; (void)y; (void)n;
  return 0;
}

#endif
