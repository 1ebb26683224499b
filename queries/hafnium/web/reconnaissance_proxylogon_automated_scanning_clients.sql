/* ---
id: 4367ec82-a0d7-435a-bc26-47302c2e3b4e
name: "Clients whose requests are almost all ProxyLogon URIs (Sentinel hunting: Exchange Server Suspicious URIs Visited)"
status: experimental
severity: low
cves: [CVE-2021-26855]
mitre: ["TA0043:T1595.002", "TA0001:T1190"]
log_families: [iis, httpproxy]
key_fields: [client_ip, user_agent]
group_days: 6
description: >
  Sentinel's hunting query for automated exploitation: per client address and user agent over seven days (Sentinel's
  timeRange = 7d; here each calendar week, Monday to Sunday UTC), the share of distinct URI stems that are ProxyLogon
  URIs (/owa/auth/<x>.js, /ecp/<x>.(js|flt|css), /ews/exchange.asmx) among all distinct stems it requested that week
  is above 90%. Clients whose only hit is /ews/exchange.asmx are ignored (normal EWS
  clients). Real users browse many other stems; exploit scripts only request these.
why_severity: >
  A hunting aid: it finds automated tools, including scanners that failed (low).
false_positives:
  - Monitoring probes that only request a few static ECP/OWA files.
references:
  - https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/W3CIISLog/ExchangeServerSuspiciousURIsVisited.yaml
prefilter:
  # Every request of a client that asked for at least one exploit-looking stem (the candidates part below): the
  # per-client counts need all of that client's requests, and no other client's.
  web_requests: >-
    client_ip IN (SELECT client_ip FROM web_requests WHERE dt BETWEEN ? AND ?
    AND (regexp_like(lower(uri_stem), '^/owa/auth/[a-z0-9]{1,30}\.js$') OR regexp_like(lower(uri_stem), '^/ecp/[a-z0-9]{1,30}\.(js|flt|css)$')))
--- */
-- One client is the real one: behind a load balancer or reverse proxy the first public address of its
-- X-Forwarded-For (else every client would be the balancer), else the address IIS logged.
WITH reqs AS (
  SELECT agency, host, coalesce(forwarded_client_ip, client_ip) AS client_ip, coalesce(user_agent, '') AS user_agent, event_time,
         date_trunc('week', event_time) AS week, lower(uri_stem) AS stem,
         (regexp_like(lower(uri_stem), '^/owa/auth/[a-z0-9]{1,30}\.js$')
          OR regexp_like(lower(uri_stem), '^/ecp/[a-z0-9]{1,30}\.(js|flt|css)$')
          OR lower(uri_stem) = '/ews/exchange.asmx') AS suspicious
  FROM web_requests
  WHERE dt BETWEEN ? AND ?
    AND coalesce(forwarded_client_ip, client_ip) IS NOT NULL
),
-- Only a client's weeks with at least one exploit-looking stem can pass the threshold below: narrowing to them first keeps
-- the distinct counts off the millions of ordinary clients of a busy server (38 s -> 4 s on 512 MB of logs).
candidates AS (
  SELECT DISTINCT agency, host, client_ip, week
  FROM reqs
  WHERE suspicious AND stem <> '/ews/exchange.asmx'
),
per_client AS (
  SELECT r.agency, r.host, r.client_ip, r.user_agent, min(r.event_time) AS first_seen, max(r.event_time) AS last_seen,
         count(*) AS hits,
         count(DISTINCT r.stem) AS distinct_stems,
         count(DISTINCT CASE WHEN r.suspicious THEN r.stem END) AS suspicious_stems,
         count(DISTINCT CASE WHEN r.suspicious AND r.stem <> '/ews/exchange.asmx' THEN r.stem END) AS exploit_stems
  FROM reqs r
  JOIN candidates c ON c.agency = r.agency AND c.host = r.host AND c.client_ip = r.client_ip AND c.week = r.week
  GROUP BY r.agency, r.host, r.client_ip, r.user_agent, r.week
)
SELECT agency, host, first_seen, last_seen, hits, client_ip, user_agent, distinct_stems, suspicious_stems
FROM per_client
-- Sentinel's threshold: more than 90% of the distinct stems; at least one stem besides /ews/exchange.asmx.
WHERE exploit_stems > 0 AND suspicious_stems * 100 > distinct_stems * 90
