// The few zstd functions MDS shards need, declared here rather than taken from <zstd.h>:
// a fresh Swift image ships the runtime library (libzstd1, soname libzstd.so.1) but not
// libzstd-dev, so neither the header nor the `libzstd.so` link name exists there. These are
// zstd's stable ABI (unchanged since v1.0; see zstd.h's "Simple API" section).
#ifndef HANGAR_CZSTD_SHIM_H
#define HANGAR_CZSTD_SHIM_H

#include <stddef.h>

size_t ZSTD_compressBound(size_t srcSize);
size_t ZSTD_compress(void *dst, size_t dstCapacity, const void *src, size_t srcSize, int compressionLevel);
size_t ZSTD_decompress(void *dst, size_t dstCapacity, const void *src, size_t compressedSize);
unsigned long long ZSTD_getFrameContentSize(const void *src, size_t srcSize);
unsigned ZSTD_isError(size_t code);
const char *ZSTD_getErrorName(size_t code);

#endif
