#ifndef CNABLAKERNELS_H
#define CNABLAKERNELS_H

/// Elementwise transcendental functions over contiguous buffers, through glibc's vector math
/// library (libmvec) when the process can load it: 4 doubles per call with AVX2, else 2 with
/// SSE. libmvec's results are within 4 ulp of the correctly rounded value. tanh with AVX2 is
/// Nabla's own kernel (within 3 ulp), with or without libmvec.

/// The functions `nabla_vector_math` can apply.
typedef enum {
  NABLA_VECTOR_EXP = 0,
  NABLA_VECTOR_LOG,
  NABLA_VECTOR_SIN,
  NABLA_VECTOR_COS,
  NABLA_VECTOR_TAN,
  NABLA_VECTOR_TANH,
  NABLA_VECTOR_COUNT
} nabla_vector_function;

/// Sets y[i] = f(x[i]) for 0 <= i < n and returns 1, or returns 0 without touching y when
/// no vector version is available (not Linux x86-64, libmvec missing or too old): the
/// caller then computes the elements itself. x and y may be the same buffer.
int nabla_vector_math(nabla_vector_function f, const double *x, double *y, long n);

/// Whether any of x[0], ..., x[n - 1] is NaN or ±infinity (1) or none is (0): one pass,
/// four doubles at a time with AVX2 where the CPU has it.
int nabla_contains_non_finite(const double *x, long n);

/// Asks glibc malloc to keep freed blocks of up to 32 MB in the heap instead of returning
/// them to the system (M_MMAP_THRESHOLD, M_TRIM_THRESHOLD), so that a kernel's megabyte-sized
/// temporaries are not page-faulted in afresh on every call. Does nothing when the process
/// sets either through the environment (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_) or
/// does not use glibc. Only the first call does anything.
void nabla_keep_large_blocks(void);

#endif
