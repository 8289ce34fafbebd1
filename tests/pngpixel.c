/* tests/pngpixel.c — reads pixels of a PNG for the viewer's tests, through libpng
 * (not through anything the viewer uses to write it).
 *
 *   pngpixel FILE size               -> "W H"
 *   pngpixel FILE at X Y [X Y ...]   -> "rrggbb" per point, one a line
 *   pngpixel FILE row Y X0 X1        -> runs of one colour along row Y from X0 to X1
 *                                       (inclusive): "FROM-TO rrggbb" a line
 * Exit status 2 with a message on bad input or a point outside the picture. */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static png_image image;
static unsigned char *rgb;

static int load(const char *path)
{
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path)) {
        fprintf(stderr, "pngpixel: %s: %s\n", path, image.message);
        return -1;
    }
    image.format = PNG_FORMAT_RGB;
    rgb = malloc(PNG_IMAGE_SIZE(image));
    if (!rgb || !png_image_finish_read(&image, NULL, rgb, 0, NULL)) {
        fprintf(stderr, "pngpixel: %s: %s\n", path, rgb ? image.message : "out of memory");
        return -1;
    }
    return 0;
}

static int coord(const char *s, unsigned limit, unsigned *v)
{
    char *end;
    long x = strtol(s, &end, 10);
    if (*end || !*s || x < 0 || (unsigned long)x >= limit) {
        fprintf(stderr, "pngpixel: '%s' is outside the %ux%u picture\n", s, image.width, image.height);
        return -1;
    }
    *v = (unsigned)x;
    return 0;
}

static unsigned long pixel(unsigned x, unsigned y)
{
    const unsigned char *p = rgb + ((size_t)y * image.width + x) * 3;
    return (unsigned long)p[0] << 16 | (unsigned long)p[1] << 8 | p[2];
}

static int points(int argc, char **argv)
{
    for (int i = 0; i + 1 < argc; i += 2) {
        unsigned x, y;
        if (coord(argv[i], image.width, &x) < 0 || coord(argv[i + 1], image.height, &y) < 0)
            return 2;
        printf("%06lx\n", pixel(x, y));
    }
    return argc % 2 ? 2 : 0;
}

static int row(char **argv)
{
    unsigned y, x0, x1;
    if (coord(argv[0], image.height, &y) < 0 || coord(argv[1], image.width, &x0) < 0 ||
        coord(argv[2], image.width, &x1) < 0 || x1 < x0)
        return 2;
    unsigned from = x0;
    for (unsigned x = x0 + 1; x <= x1 + 1; x++)
        if (x > x1 || pixel(x, y) != pixel(from, y)) {
            printf("%u-%u %06lx\n", from, x - 1, pixel(from, y));
            from = x;
        }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: pngpixel FILE size | at X Y... | row Y X0 X1\n");
        return 2;
    }
    if (load(argv[1]) < 0)
        return 2;
    int rc = 2;
    if (!strcmp(argv[2], "size"))
        rc = printf("%u %u\n", image.width, image.height) > 0 ? 0 : 2;
    else if (!strcmp(argv[2], "at") && argc >= 5)
        rc = points(argc - 3, argv + 3);
    else if (!strcmp(argv[2], "row") && argc == 6)
        rc = row(argv + 3);
    else
        fprintf(stderr, "pngpixel: unknown request '%s'\n", argv[2]);
    free(rgb);
    png_image_free(&image);
    return rc;
}
