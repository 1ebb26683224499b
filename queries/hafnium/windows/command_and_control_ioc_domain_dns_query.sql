/* ---
id: 41f1be65-2206-4405-9656-c088e5153809
name: "DNS query or connection to a published Exchange-exploitation C2 domain (ESET) in Sysmon"
status: stable
severity: high
cves: []
mitre: ["TA0011:T1071", "TA0011:T1071.004"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [domain]
description: >
  Sysmon DNS query events (22, QueryName) and network connections (3, DestinationHostname) naming a domain indicator,
  or a subdomain of one: the C2 servers ESET published for the groups that exploited ProxyLogon (Calypso, Tick, Tonto
  Team, Winnti, ShadowPad, DLTMiner). Domains come from the indicators table.
why_severity: >
  Resolving a published C2 domain from an Exchange server means malware or an operator on it (high); the domains date
  from 2021 and may have changed hands since, so not critical.
false_positives:
  - Sinkholed or re-registered domains queried by security tools.
references:
  - https://github.com/eset/malware-ioc/tree/master/exchange_exploitation
  - https://www.welivesecurity.com/2021/03/10/exchange-servers-under-siege-10-apt-groups/
--- */
WITH doms AS (
  SELECT value AS domain, min(source) AS indicator_source, min(description) AS indicator_description
  FROM indicators WHERE type = 'domain' GROUP BY value
),
ev AS (
  SELECT agency, host, event_time, event_id, image,
         lower(coalesce(try(json_extract_scalar(event_data, '$.QueryName')), try(json_extract_scalar(event_data, '$.DestinationHostname')))) AS name
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND strpos(lower(channel), 'sysmon') > 0
    AND event_id IN (3, 22)
)
SELECT e.agency, e.host, min(e.event_time) AS first_seen, max(e.event_time) AS last_seen, count(*) AS hits,
       d.domain, min(e.name) AS queried_name, min(e.image) AS image,
       min(d.indicator_source) AS indicator_source, min(d.indicator_description) AS indicator_description
FROM ev e
-- The domain itself or any subdomain of it.
JOIN doms d ON e.name = d.domain OR (length(e.name) > length(d.domain) AND substr(e.name, length(e.name) - length(d.domain)) = '.' || d.domain)
GROUP BY e.agency, e.host, d.domain
