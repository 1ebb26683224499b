/* ---
id: db82bfe6-c3c9-405c-b190-63a61967b4b4
name: "Published ProxyLogon attacker IP address in Windows events (logons, share access, Sysmon network)"
status: stable
severity: medium
cves: []
mitre: ["TA0001:T1078", "TA0008:T1021"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [ip_address]
description: >
  Windows events whose remote address (IpAddress of 4624/4625/5140/5145, Sysmon 3 SourceIp/DestinationIp) is an ip
  indicator (Volexity, FireEye, ESET C2 servers, CISA AA21-062A). ESET's addresses are command-and-control servers, so a
  Sysmon network connection to one is reported too.
why_severity: >
  The addresses date from March 2021 and may have been reassigned: amber, like the web-log IP match; low after the
  address's validity window (a year from the indicator's first_seen, from 2021-03-02 when the feed gives none).
false_positives:
  - Reassigned VPS addresses.
references:
  - https://github.com/volexity/threat-intel/tree/main/2021/2021-03-02%20-%20Operation%20Exchange%20Marauder
  - https://github.com/eset/malware-ioc/tree/master/exchange_exploitation
  - https://www.fireeye.com/blog/threat-research/2021/03/detection-response-to-exploitation-of-microsoft-exchange-zero-day-vulnerabilities.html
  - https://us-cert.cisa.gov/ncas/alerts/aa21-062a
prefilter:
  # The rows a published address can match: the join below, as a semi-join on the indicators.
  windows_events: regexp_replace(lower(ip_address), '^::ffff:', '') IN (SELECT value FROM indicators WHERE type = 'ip')
--- */
-- Stage 1: published addresses, each valid for 365 days from its first_seen (2021-03-02, the date of the Microsoft and
-- Volexity reports, when the feed has none): VPS and VPN addresses are reassigned.
WITH ips AS (
  SELECT value AS ip, min(source) AS indicator_source, min(description) AS indicator_description,
         coalesce(min(try(from_iso8601_date(substr(first_seen, 1, 10)))), from_iso8601_date('2021-03-02'))
           + INTERVAL '365' DAY AS valid_until
  FROM indicators WHERE type = 'ip' GROUP BY value
)
-- Stage 2: events naming them; a hit after the validity window is low.
SELECT w.agency, w.host, min(w.event_time) AS first_seen, max(w.event_time) AS last_seen, count(*) AS hits,
       CASE WHEN min(w.event_time) > max(i.valid_until) THEN 'low' ELSE 'medium' END AS severity,
       w.ip_address, min(w.event_id) AS event_id, min(w.channel) AS channel, min(w.target_user_name) AS target_user_name,
       min(i.indicator_source) AS indicator_source, min(i.indicator_description) AS indicator_description
-- ip_address is normalized by the parsers as the indicator values are (Windows writes IPv4 clients of a dual-stack
-- host as ::ffff:a.b.c.d; ports and zone ids dropped; RFC 5952 IPv6): the join is an equality (lower and '::ffff:'
-- again for lake files written before).
FROM windows_events w
JOIN ips i ON i.ip = regexp_replace(lower(w.ip_address), '^::ffff:', '')
WHERE w.dt BETWEEN ? AND ?
GROUP BY w.agency, w.host, w.ip_address
