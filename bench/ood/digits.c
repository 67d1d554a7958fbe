/*
 * Typeset digits as an MNIST-like data set: white digits on black, 28x28, written as IDX
 * (images: magic 0x00000803, labels: 0x00000801), for `flowc ood` (docs/ood.md, OUT set (d)).
 *
 * This machine has no MNIST; it has cairo and the DejaVu fonts. Each image is one digit
 * 0-9 in one of 22 DejaVu faces (Sans, Serif, Sans Mono, the condensed and light cuts; upright
 * and oblique; book and bold), rotated by up to +-12 degrees, thickened by a random stroke,
 * then normalised as MNIST was (LeCun et al.): the digit's bounding box scaled to fit 20x20
 * with its aspect ratio kept, anti-aliased, and placed so that its centre of mass is at the
 * centre of the 28x28 field. Labels cycle 0..9; the random choices come from a fixed
 * xorshift seed, so the files are the same on every run.
 *
 *   cc -O2 digits.c $(pkg-config --cflags --libs cairo) -lm -o digits
 *   ./digits COUNT images.idx labels.idx
 */
#include <cairo.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x9E3779B97F4A7C15ull;
static double uniform(void) { /* xorshift64*, in [0, 1) */
  state ^= state >> 12; state ^= state << 25; state ^= state >> 27;
  return (double)((state * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

struct face { const char *family; cairo_font_slant_t slant; cairo_font_weight_t weight; };

static const char *families[] = {"DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono", "DejaVu Sans Condensed", "DejaVu Serif Condensed"};

static void be32(FILE *f, uint32_t v) {
  unsigned char b[4] = {v >> 24, v >> 16, v >> 8, v};
  fwrite(b, 1, 4, f);
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: %s COUNT images.idx labels.idx\n", argv[0]); return 2; }
  int count = atoi(argv[1]);
  struct face faces[22];
  int n = 0;
  for (int f = 0; f < 5; f++)
    for (int s = 0; s < 2; s++)
      for (int w = 0; w < 2; w++)
        faces[n++] = (struct face){families[f], s ? CAIRO_FONT_SLANT_OBLIQUE : CAIRO_FONT_SLANT_NORMAL,
                                   w ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL};
  faces[n++] = (struct face){"DejaVu Sans Light", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL};
  faces[n++] = (struct face){"DejaVu Sans Light", CAIRO_FONT_SLANT_OBLIQUE, CAIRO_FONT_WEIGHT_NORMAL};

  FILE *fi = fopen(argv[2], "wb"), *fl = fopen(argv[3], "wb");
  if (!fi || !fl) { perror("open"); return 1; }
  be32(fi, 0x803); be32(fi, count); be32(fi, 28); be32(fi, 28);
  be32(fl, 0x801); be32(fl, count);

  const int B = 160; /* the large canvas the glyph is drawn on first */
  for (int i = 0; i < count; i++) {
    int digit = i % 10;
    struct face face = faces[(int)(uniform() * n)];
    char text[2] = {'0' + digit, 0};

    cairo_surface_t *big = cairo_image_surface_create(CAIRO_FORMAT_A8, B, B);
    cairo_t *cr = cairo_create(big);
    cairo_select_font_face(cr, face.family, face.slant, face.weight);
    cairo_set_font_size(cr, 100);
    cairo_text_extents_t e;
    cairo_text_extents(cr, text, &e);
    cairo_translate(cr, B / 2.0, B / 2.0);
    cairo_rotate(cr, (uniform() * 2 - 1) * 12 * M_PI / 180);
    cairo_move_to(cr, -(e.x_bearing + e.width / 2), -(e.y_bearing + e.height / 2));
    cairo_text_path(cr, text);
    cairo_set_source_rgba(cr, 0, 0, 0, 1);
    cairo_fill_preserve(cr);
    cairo_set_line_width(cr, uniform() * 9); /* thicker or thinner strokes */
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke(cr);
    cairo_destroy(cr);
    cairo_surface_flush(big);

    /* Bounding box and centre of mass of the ink. */
    unsigned char *p = cairo_image_surface_get_data(big);
    int stride = cairo_image_surface_get_stride(big);
    int x0 = B, y0 = B, x1 = -1, y1 = -1;
    double mass = 0, mx = 0, my = 0;
    for (int y = 0; y < B; y++)
      for (int x = 0; x < B; x++) {
        int v = p[y * stride + x];
        if (v > 0) {
          x0 = x < x0 ? x : x0;
          x1 = x > x1 ? x : x1;
          y0 = y < y0 ? y : y0;
          y1 = y > y1 ? y : y1;
          mass += v; mx += v * (x + 0.5); my += v * (y + 0.5);
        }
      }
    double scale = 20.0 / fmax(x1 - x0 + 1, y1 - y0 + 1);

    cairo_surface_t *small = cairo_image_surface_create(CAIRO_FORMAT_A8, 28, 28);
    cr = cairo_create(small);
    cairo_translate(cr, 14, 14);
    cairo_scale(cr, scale, scale);
    cairo_translate(cr, -mx / mass, -my / mass);
    cairo_set_source_surface(cr, big, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_BEST);
    cairo_paint(cr);
    cairo_destroy(cr);
    cairo_surface_flush(small);
    unsigned char *q = cairo_image_surface_get_data(small);
    int s2 = cairo_image_surface_get_stride(small);
    for (int y = 0; y < 28; y++) fwrite(q + y * s2, 1, 28, fi);
    unsigned char label = digit;
    fwrite(&label, 1, 1, fl);
    cairo_surface_destroy(small);
    cairo_surface_destroy(big);
  }
  fclose(fi);
  fclose(fl);
  return 0;
}
