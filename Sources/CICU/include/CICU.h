#ifndef ROOST_CICU_H
#define ROOST_CICU_H

#include <stdint.h>

/* ICU behind plain C types (Foundation ships its own ICU headers, so Swift cannot
   import ICU's directly; Debian's ICU symbols are versioned, which the headers hide).
   Each function returns the number of bytes written, ROOST_ICU_UNKNOWN_CHARSET,
   ROOST_ICU_TOO_SMALL (call again with `capacity` at least the returned need in
   *needed), or ROOST_ICU_FAILED. */

#define ROOST_ICU_UNKNOWN_CHARSET (-1)
#define ROOST_ICU_TOO_SMALL (-2)
#define ROOST_ICU_FAILED (-3)

/* Converts `length` bytes in `charset` (an IANA or MIME name) to UTF-8. Bytes that do
   not map become U+FFFD. */
int32_t roost_icu_to_utf8(const char *charset, const char *input, int32_t length,
                          char *output, int32_t capacity, int32_t *needed);

/* Whether ICU knows `charset`. */
int roost_icu_charset_known(const char *charset);

/* UTF-8 text case-folded (Unicode full case folding) and in NFKD form: the
   i;unicode-casemap comparison form of RFC 5051, for case-insensitive SEARCH. */
int32_t roost_icu_fold(const char *input, int32_t length, char *output, int32_t capacity, int32_t *needed);

/* The first occurrence of `needle` in `haystack`, or -1 (glibc's memmem, which the
   Glibc module does not export). */
int64_t roost_find_bytes(const void *haystack, int64_t haystackLength, const void *needle, int64_t needleLength);

#endif
