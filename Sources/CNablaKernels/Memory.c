#include "CNablaKernels.h"

#include <stdlib.h>  // defines __GLIBC__ on glibc systems

#if defined(__GLIBC__)
#include <malloc.h>
#include <pthread.h>

static pthread_once_t tuned = PTHREAD_ONCE_INIT;

static void tune(void) {
  if (getenv("MALLOC_MMAP_THRESHOLD_") || getenv("MALLOC_TRIM_THRESHOLD_")) return;
  // 32 MB is the largest mmap threshold glibc accepts on 64-bit systems.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
}

void nabla_keep_large_blocks(void) { pthread_once(&tuned, tune); }

#else

void nabla_keep_large_blocks(void) {}

#endif
