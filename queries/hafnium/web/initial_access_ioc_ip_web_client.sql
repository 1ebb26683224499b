/* ---
id: 5f9430b1-35d8-4abb-b36d-758dc2a371ed
name: "Web requests from published ProxyLogon attacker IP addresses (Volexity, FireEye, ESET, CISA)"
status: stable
severity: medium
cves: [CVE-2021-26855]
mitre: ["TA0001:T1190"]
log_families: [iis, httpproxy]
key_fields: [client_ip]
description: >
  Client addresses in IIS (c-ip) and HttpProxy (ClientIpAddress) logs that are ip indicators: Volexity's 13
  Operation Exchange Marauder addresses, FireEye's four, ESET's network IOCs and the two more CISA Alert AA21-062A
  lists. Sources come from the indicators table (CSV or STIX), so new feeds need no SQL change. Requests that succeeded
  against /ecp/, /owa/auth/ or /aspnet_client/ are raised to high.
why_severity: >
  The addresses are VPS and VPN hosts from March 2021 (Microsoft deprecated its own IOC-match rule because the IOCs
  are outdated), so a plain match is amber; a successful request to the exploited paths from one is high. An address
  is valid for a year from the indicator's first_seen (from 2021-03-02, the reports' date, when the feed gives none):
  a hit after that (the VPS has long been reassigned) is low, whatever it requested.
false_positives:
  - Reassigned VPS addresses; shared VPN exit nodes.
references:
  - https://github.com/volexity/threat-intel/tree/main/2021/2021-03-02%20-%20Operation%20Exchange%20Marauder
  - https://www.fireeye.com/blog/threat-research/2021/03/detection-response-to-exploitation-of-microsoft-exchange-zero-day-vulnerabilities.html
  - https://github.com/eset/malware-ioc/tree/master/exchange_exploitation
  - https://us-cert.cisa.gov/ncas/alerts/aa21-062a
  - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Legacy%20IOC%20based%20Threat%20Protection/Analytic%20Rules/ExchangeServerVulnerabilitiesMarch2021IoCs.yaml
prefilter:
  # The rows a published address can match: the join below, as a semi-join on the indicators.
  web_requests: >-
    regexp_replace(lower(client_ip), '^::ffff:', '') IN (SELECT value FROM indicators WHERE type = 'ip')
    OR forwarded_client_ip IN (SELECT value FROM indicators WHERE type = 'ip')
--- */
-- Stage 1: published addresses, each valid for 365 days from its first_seen (2021-03-02, the date of the Microsoft and
-- Volexity reports, when the feed has none): VPS and VPN addresses are reassigned.
WITH ips AS (
  SELECT value AS ip, min(source) AS indicator_source, count(DISTINCT source) AS indicator_source_count,
         coalesce(min(try(from_iso8601_date(substr(first_seen, 1, 10)))), from_iso8601_date('2021-03-02'))
           + INTERVAL '365' DAY AS valid_until
  FROM indicators WHERE type = 'ip' GROUP BY value
),
-- Stage 2: requests from them; one finding per host and address. The address is the client IIS logged, or, behind a
-- load balancer or reverse proxy, the first public address its X-Forwarded-For names (forwarded_client_ip): the
-- balancer's own (private) address never matches, and a forged X-Forwarded-For does not hide the logged client.
-- Both are normalized by the parsers as the indicator values are (an IPv4-mapped '::ffff:a.b.c.d' is a.b.c.d; RFC
-- 5952 IPv6; no port or zone id): the join is an equality (lower and '::ffff:' again for lake files written before).
-- The requests with a published address are found first by two hash lookups (IN), so that the join, an OR of two
-- equalities that the engines can only run as a nested loop, meets those few requests instead of all of them.
w AS (
  SELECT agency, host, event_time, status, uri_stem, forwarded_client_ip,
         CASE WHEN strpos(client_ip, ':') = 0 THEN client_ip ELSE regexp_replace(lower(client_ip), '^::ffff:', '') END AS client_addr
  FROM web_requests
  WHERE dt BETWEEN ? AND ?
    AND (CASE WHEN strpos(client_ip, ':') = 0 THEN client_ip ELSE regexp_replace(lower(client_ip), '^::ffff:', '') END IN (SELECT ip FROM ips)
         OR forwarded_client_ip IN (SELECT ip FROM ips))
)
SELECT w.agency, w.host, min(w.event_time) AS first_seen, max(w.event_time) AS last_seen, count(*) AS hits,
       CASE WHEN min(w.event_time) > max(i.valid_until) THEN 'low'
            WHEN count_if(w.status BETWEEN 200 AND 399 AND (strpos(lower(w.uri_stem), '/ecp/') = 1
                          OR strpos(lower(w.uri_stem), '/owa/auth/') = 1 OR strpos(lower(w.uri_stem), '/aspnet_client/') = 1)) > 0
            THEN 'high' ELSE 'medium' END AS severity,
       i.ip AS client_ip, min(i.indicator_source) AS indicator_source, max(i.indicator_source_count) AS indicator_source_count,
       count(DISTINCT w.uri_stem) AS distinct_uris, min(w.uri_stem) AS example_uri_stem
FROM w
JOIN ips i ON i.ip = w.client_addr OR i.ip = w.forwarded_client_ip
GROUP BY w.agency, w.host, i.ip
