/* tools/codec_cmd.h — `machemu codec [options] FILE`: the compressor's codecs over a
 * file of 16 KB pages (a raw memory dump, or what `machemu run --dump-pages` wrote),
 * with the form and size of each page, totals, speeds and a verified round trip. */
#ifndef TOOLS_CODEC_CMD_H
#define TOOLS_CODEC_CMD_H

/* argv[0] is "codec". The exit status: 0, 1 if a page did not round-trip (a bug of
 * the codec), 2 for bad options or input. */
int codec_main(int argc, char **argv);

#endif
