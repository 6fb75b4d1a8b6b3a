// libmvec is looked up at run time (dlopen), so nothing links against it: a system without
// it, or with a glibc older than 2.35 (no vector tanh/tan), falls back to the scalar loops.
#include "CNablaKernels.h"

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
static vector2 table2[NABLA_VECTOR_COUNT];
static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static void load(void) {
  void *library = dlopen("libmvec.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) return;
  __builtin_cpu_init();
  int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  for (int f = 0; f < NABLA_VECTOR_COUNT; f++) {
    if (avx2) table4[f] = (vector4)dlsym(library, names4[f]);
    table2[f] = (vector2)dlsym(library, names2[f]);
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

int nabla_vector_math(nabla_vector_function f, const double *x, double *y, long n) {
  if ((unsigned)f >= NABLA_VECTOR_COUNT) return 0;
  pthread_once(&loaded, load);
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

int nabla_vector_math(nabla_vector_function f, const double *x, double *y, long n) {
  (void)f; (void)x; (void)y; (void)n;
  return 0;
}

#endif
