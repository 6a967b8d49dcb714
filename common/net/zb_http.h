/*
 * zb_http.h — the committees' dashboard: HTTPS beside the sync service
 * (README "The dashboard"; docs/DESIGN-NOTES.md, "Dashboard").
 *
 * libmicrohttpd serves it from its own thread, with the server's TLS
 * certificate, while the libuv loop serves sync sessions; both read the
 * same LMDB environment (readers never block the writer).  Every request
 * needs a bearer token (zb_token.h): "Authorization: Bearer T", or
 * ?token=T on the pages a browser opens.  No token or a bad one: 401; an
 * org outside the token's subtree: 403.
 *
 *   /                          → the token's org page
 *   /org/CODE                  a page in Chinese: statistics with charts
 *                              (SVG drawn here), the orgs below it with their
 *                              counts (drill-down), the pipeline, dues
 *                              collection and 三会一课 this year, and a map
 *                              of the branches by days silent; numbers
 *                              link to lists
 *   /org/CODE/members          the members of CODE's subtree (a list)
 *   /org/CODE/arrears          the members with dues unpaid this year (a list)
 *   /api/report/stats?org=&as_of=       = `report stats --json`
 *   /api/report/pipeline?org=&year=     = `report pipeline --json`
 *   /api/report/meetings?org=&year=     = `report meetings --json`
 *   /api/report/dues?org=&year=|month=&as_of=  = `report dues --json`
 *   /api/report/freshness?org=&days=    = `report freshness --json`
 *   /metrics                   Prometheus text (a token of a root org): the
 *                              store's counts, the sync service's counters
 *                              (zb_syncd_counters) and each node's lag
 */
#ifndef ZB_HTTP_H
#define ZB_HTTP_H

#include "zb_hub.h"
#include "zb_syncd.h"

typedef struct zb_http zb_http;

/* Starts serving on listen ("addr:port"; port 0: any) with pki_dir's
 * server.crt and server.key; the bound port is written to port_file (if
 * not NULL) as "PORT\n".  ctr (may be NULL) are the sync service's
 * counters, read for /metrics while it runs.  0, ZB_EUSAGE for a bad
 * address, or ZB_EIO. */
int zb_http_start(zb_hub *h, const char *listen, const char *pki_dir, const char *port_file,
                  const zb_syncd_counters *ctr, zb_http **out);
/* Stops serving (waits for requests in progress) and frees. */
void zb_http_stop(zb_http *s);

#endif
