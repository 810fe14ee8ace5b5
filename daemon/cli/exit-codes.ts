// Exit codes of every casterpakd command, documented in the README and in each command's --help.

/** Everything asked was done (warming a cached rendition, invalidating an uncached one, listing an empty cache). */
export const EXIT_OK = 0;
/** Something could not be done: a bad config, a missing database, a path that failed (the others still ran). */
export const EXIT_ERROR = 1;
/** The command line itself is wrong: unknown command or option, missing argument. Nothing was done. */
export const EXIT_USAGE = 2;

export const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  error: bad config, no database, or a path that could not be handled (the others were still handled)
  2  usage: unknown option or command, missing argument`;
