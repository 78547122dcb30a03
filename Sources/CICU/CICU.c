#define _GNU_SOURCE
#include "CICU.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/ucnv.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

int32_t roost_icu_to_utf8(const char *charset, const char *input, int32_t length,
                          char *output, int32_t capacity, int32_t *needed) {
    UErrorCode status = U_ZERO_ERROR;
    UConverter *converter = ucnv_open(charset, &status);
    if (U_FAILURE(status) || converter == NULL) return ROOST_ICU_UNKNOWN_CHARSET;
    ucnv_close(converter);
    status = U_ZERO_ERROR;
    int32_t written = ucnv_convert("UTF-8", charset, output, capacity, input, length, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) {
        *needed = written;
        return ROOST_ICU_TOO_SMALL;
    }
    if (U_FAILURE(status)) return ROOST_ICU_FAILED;
    return written;
}

int roost_icu_charset_known(const char *charset) {
    UErrorCode status = U_ZERO_ERROR;
    UConverter *converter = ucnv_open(charset, &status);
    if (U_FAILURE(status) || converter == NULL) return 0;
    ucnv_close(converter);
    return 1;
}

int32_t roost_icu_fold(const char *input, int32_t length, char *output, int32_t capacity, int32_t *needed) {
    UErrorCode status = U_ZERO_ERROR;
    int32_t units = 0;
    u_strFromUTF8WithSub(NULL, 0, &units, input, length, 0xFFFD, NULL, &status);
    if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) return ROOST_ICU_FAILED;
    status = U_ZERO_ERROR;
    UChar *text = malloc(sizeof(UChar) * (size_t)(units + 1));
    /* Full case folding can triple the length (ß -> ss); NFKD can grow it again. */
    int32_t foldCapacity = units * 3 + 16;
    UChar *folded = malloc(sizeof(UChar) * (size_t)foldCapacity);
    int32_t normalCapacity = foldCapacity * 4 + 16;
    UChar *normal = malloc(sizeof(UChar) * (size_t)normalCapacity);
    int32_t result = ROOST_ICU_FAILED;
    if (text == NULL || folded == NULL || normal == NULL) goto done;
    u_strFromUTF8WithSub(text, units + 1, NULL, input, length, 0xFFFD, NULL, &status);
    if (U_FAILURE(status)) goto done;
    int32_t foldedLength = u_strFoldCase(folded, foldCapacity, text, units, U_FOLD_CASE_DEFAULT, &status);
    if (U_FAILURE(status)) goto done;
    const UNormalizer2 *nfkd = unorm2_getNFKDInstance(&status);
    if (U_FAILURE(status)) goto done;
    int32_t normalLength = unorm2_normalize(nfkd, folded, foldedLength, normal, normalCapacity, &status);
    if (U_FAILURE(status)) goto done;
    int32_t bytes = 0;
    u_strToUTF8(output, capacity, &bytes, normal, normalLength, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) {
        *needed = bytes;
        result = ROOST_ICU_TOO_SMALL;
    } else if (U_SUCCESS(status) || status == U_STRING_NOT_TERMINATED_WARNING) {
        result = bytes;
    }
done:
    free(text);
    free(folded);
    free(normal);
    return result;
}

int64_t roost_find_bytes(const void *haystack, int64_t haystackLength, const void *needle, int64_t needleLength) {
    const char *found = memmem(haystack, (size_t)haystackLength, needle, (size_t)needleLength);
    return found == NULL ? -1 : (int64_t)(found - (const char *)haystack);
}
