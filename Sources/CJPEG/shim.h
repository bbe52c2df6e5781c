// jpeglib.h expects FILE and size_t to be declared before it.
#include <stdio.h>
#include <stddef.h>
#include <jpeglib.h>

// MARK: Hangar browser: decode and encode with error recovery.
//
// libjpeg reports a fatal error by calling `error_exit`, whose default ends the process. A
// screenshot from a remote browser is untrusted input, so these helpers install an error
// manager that longjmps back here and return the message instead. setjmp/longjmp must not
// cross Swift frames, which is why this lives in C rather than in the Swift caller.
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#define HANGAR_JPEG_MESSAGE_SIZE 200

struct hangar_jpeg_error {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
};

static void hangar_jpeg_error_exit(j_common_ptr cinfo) {
    struct hangar_jpeg_error *error = (struct hangar_jpeg_error *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    strncpy(error->message, text, HANGAR_JPEG_MESSAGE_SIZE - 1);
    error->message[HANGAR_JPEG_MESSAGE_SIZE - 1] = 0;
    longjmp(error->jump, 1);
}

static void hangar_jpeg_quiet(j_common_ptr cinfo, int level) {
    (void)cinfo;
    (void)level;
}

/// Decodes `data` to 8-bit RGB rows. On success returns 0 and `*pixels` (free with `free`);
/// on failure returns -1 with `message` (HANGAR_JPEG_MESSAGE_SIZE bytes) filled in.
static inline int hangar_jpeg_decode(
    const unsigned char *data, unsigned long size, unsigned long max_pixels, unsigned char **pixels, int *width, int *height,
    char *message) {
    struct jpeg_decompress_struct cinfo;
    struct hangar_jpeg_error error;
    unsigned char *volatile buffer = NULL;
    *pixels = NULL;
    message[0] = 0;
    cinfo.err = jpeg_std_error(&error.base);
    error.base.error_exit = hangar_jpeg_error_exit;
    error.base.emit_message = hangar_jpeg_quiet;
    error.message = message;
    if (setjmp(error.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(buffer);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, size);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);
    unsigned long count = (unsigned long)cinfo.output_width * cinfo.output_height;
    if (cinfo.output_components != 3 || count == 0 || count > max_pixels) {
        strncpy(message, "unsupported image size or colour layout", HANGAR_JPEG_MESSAGE_SIZE - 1);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    size_t stride = (size_t)cinfo.output_width * 3;
    buffer = (unsigned char *)malloc(stride * cinfo.output_height);
    if (buffer == NULL) {
        strncpy(message, "out of memory", HANGAR_JPEG_MESSAGE_SIZE - 1);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = buffer + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    *width = (int)cinfo.output_width;
    *height = (int)cinfo.output_height;
    jpeg_destroy_decompress(&cinfo);
    *pixels = buffer;
    return 0;
}

/// Encodes 8-bit RGB rows at `quality` (1–100). On success returns 0 and `*out` (free with
/// `free`); on failure returns -1 with `message` filled in.
static inline int hangar_jpeg_encode(
    const unsigned char *pixels, int width, int height, int quality, unsigned char **out, unsigned long *out_size, char *message) {
    struct jpeg_compress_struct cinfo;
    struct hangar_jpeg_error error;
    unsigned char *volatile buffer = NULL;
    unsigned long volatile size = 0;
    *out = NULL;
    *out_size = 0;
    message[0] = 0;
    cinfo.err = jpeg_std_error(&error.base);
    error.base.error_exit = hangar_jpeg_error_exit;
    error.base.emit_message = hangar_jpeg_quiet;
    error.message = message;
    if (setjmp(error.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return -1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, (unsigned char **)&buffer, (unsigned long *)&size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    size_t stride = (size_t)width * 3;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + stride * cinfo.next_scanline);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = buffer;
    *out_size = size;
    return 0;
}
