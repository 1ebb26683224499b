/* ---
id: 9240559c-00b3-4e6f-8b6f-0adfe6b3b79b
name: "DNS query or connection to MEGA (mega.nz, mega.co.nz, mega.io) from the server (Sysmon 22/3, DNS-Client 3008)"
status: experimental
severity: high
cves: []
mitre: ["TA0010:T1567.002"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [mega_domain, image]
description: >
  Microsoft: HAFNIUM "typically exfiltrates data to file sharing sites like MEGA". Names resolved or connected to by
  the host that are mega.nz, mega.co.nz, mega.io or a subdomain of them (the API g.api.mega.co.nz, the storage nodes
  *.userstorage.mega.co.nz that carry uploads and downloads): Sysmon DNS queries (22, QueryName; Sigma "DNS Query To
  MEGA Hosting Website"), Sysmon network connections (3, DestinationHostname; Sigma "Network Connection Initiated To
  Mega.nz") and the DNS Client Operational log (3008, QueryName; Sigma "DNS Query for MEGA.io Upload Domain - DNS
  Client"). One finding per host, MEGA domain and querying image; the names seen are summarized.
why_severity: >
  An Exchange server has no reason to talk to MEGA. High when the query comes from something other than a web browser
  (a MEGA client, rclone, a script or an unknown binary), and when a DNS Client event without a process names a
  storage node (Sigma rates that form high). A browser on the server, or a DNS Client event for the web site or API,
  is medium (Sigma medium): an administrator may have opened a MEGA link.
false_positives:
  - An administrator browsing to a MEGA link from the server (for example to fetch a tool).
references:
  - https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/dns_query/dns_query_win_mega_nz.yml
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/network_connection/net_connection_win_domain_mega_nz.yml
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/builtin/dns_client/win_dns_client_mega_nz.yml
--- */
WITH ev AS (
  SELECT agency, host, event_time, event_id, image,
         regexp_replace(lower(coalesce(try(json_extract_scalar(event_data, '$.QueryName')),
                                       try(json_extract_scalar(event_data, '$.DestinationHostname')))), '\.$', '') AS name
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id IN (3, 22) AND strpos(lower(channel), 'sysmon') > 0)
      OR (event_id = 3008 AND lower(channel) = 'microsoft-windows-dns-client/operational'))
),
mega AS (
  SELECT agency, host, event_time, event_id, image, name,
         regexp_extract(name, '(mega\.(co\.nz|nz|io))$', 1) AS mega_domain,
         regexp_like(lower(coalesce(image, '')), '\\(chrome|msedge|microsoftedge|microsoftedgecp|firefox|iexplore|opera|brave)\.exe$') AS browser
  FROM ev
  WHERE name IN ('mega.nz', 'mega.co.nz', 'mega.io') OR regexp_like(name, '\.mega\.(co\.nz|nz|io)$')
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN bool_or(image IS NOT NULL AND NOT browser)
                 OR bool_or(image IS NULL AND regexp_like(name, '\.userstorage\.mega\.co\.nz$')) THEN 'high'
            ELSE 'medium' END AS severity,
       mega_domain, image, min(name) AS queried_name, max(name) AS queried_name_last,
       count(DISTINCT name) AS distinct_names
FROM mega
GROUP BY agency, host, mega_domain, image
