/* ---
id: 19dab61c-3f83-4c23-8e20-a61c48e279f4
name: "ProxyLogon URI patterns from external clients, any method (Sentinel hunting: Exchange Server ProxyLogon URIs)"
status: experimental
severity: low
cves: [CVE-2021-26855]
mitre: ["TA0043:T1595.002", "TA0001:T1190"]
log_families: [iis, httpproxy]
key_fields: [uri_stem]
variant_of: 32059a16-fd79-4b2e-8308-ac321ed02db4
description: >
  The Sentinel hunting query "Exchange Server ProxyLogon URIs": any request (not only POST) whose stem matches
  /owa/auth/<1-30 alphanumerics>.js or /ecp/<1-30 alphanumerics>.(js|flt|css), from a client address that is not
  private, link-local, loopback or unspecified. Catches scanning and exploit attempts that the POST-only rules miss,
  including Microsoft's own NSE checker run from outside.
why_severity: >
  A hunting query, not a detection: scanners (including the NSE checker) produce the same requests, so it stays
  amber-low; the POST-only variant is medium and high.
false_positives:
  - Internet-wide vulnerability scanners and authorised penetration tests.
references:
  - https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/W3CIISLog/ExchangeServerProxyLogonURI.yaml
--- */
-- The real client: behind a load balancer or reverse proxy the first public address of its X-Forwarded-For, else
-- the address IIS logged (both normalized by the parsers: ::ffff:a.b.c.d is a.b.c.d, no port or zone id).
WITH reqs AS (
  SELECT agency, host, event_time, uri_stem, method, status, coalesce(forwarded_client_ip, client_ip) AS client_ip
  FROM web_requests
  WHERE dt BETWEEN ? AND ?
    AND (regexp_like(lower(uri_stem), '^/owa/auth/[a-z0-9]{1,30}\.js$')
         OR regexp_like(lower(uri_stem), '^/ecp/[a-z0-9]{1,30}\.(js|flt|css)$'))
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       lower(uri_stem) AS uri_stem, min(client_ip) AS client_ip, count(DISTINCT client_ip) AS client_ip_count,
       min(method) AS method, max(status) AS max_status
FROM reqs
-- External clients only, as in the Sentinel query (RFC 1918, shared, loopback, link-local, unique-local, unspecified
-- excluded).
-- (lower and '::ffff:' again for lake files written before the parsers normalized addresses.)
WHERE NOT regexp_like(regexp_replace(lower(coalesce(client_ip, '')), '^::ffff:', ''),
                      '^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.|127\.|169\.254\.|0\.|fe[89ab][0-9a-f]:|f[cd][0-9a-f][0-9a-f]:|::1?$|$)')
GROUP BY agency, host, lower(uri_stem)
