#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <stdio.h>
#include <ncurses.h>

/* What Swift does not import from <ncurses.h>: the A_* attribute macros, and the C
   library's stdin/stdout (for newterm). */
static inline SCREEN *nabla_newterm(const char *type) { return newterm(type, stdout, stdin); }
static inline attr_t nabla_attribute_bold(void) { return A_BOLD; }
static inline attr_t nabla_attribute_dim(void) { return A_DIM; }
static inline attr_t nabla_attribute_reverse(void) { return A_REVERSE; }
static inline attr_t nabla_attribute_underline(void) { return A_UNDERLINE; }
