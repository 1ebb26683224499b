/* ---
id: 5f3bc131-8bb5-4217-9625-ed9f00a660ac
name: "Compiled ASPX of a known web-shell name appearing in Temporary ASP.NET Files"
status: stable
severity: high
cves: [CVE-2021-26858, CVE-2021-27065]
mitre: ["TA0003:T1505.003"]
log_families: [evtx, winevent_json, winevent_csv]
key_fields: [compiled_page]
description: >
  When a web shell is first requested, ASP.NET compiles it into the Temporary ASP.NET Files folder as
  <page>.aspx.<hash>.compiled (and App_Web_<page>.aspx.<hash>.dll); FireEye advises looking for "new, unexpected
  compiled ASPX files" and the MSERT guidance lists the folder. Every page compiles there, so only pages whose name is a
  published web-shell name (indicators of type filename, and the file names of MSTIC file-path indicators) are reported.
  Sources: Sysmon 11 or Security 4663 writes. Pages compiled for the site root application (Temporary ASP.NET
  Files\root\, where aspnet_client pages land) are high; in Exchange's own applications (owa, ecp, ...) some listed
  names are also stock pages (ECP has default.aspx and error.aspx), so those rows are low.
why_severity: >
  A compiled copy shows the shell was requested and ran (high); in Exchange's applications the generic names collide
  with stock pages, so those stay low.
false_positives:
  - A legitimate page that happens to carry a listed name (web.aspx, error.aspx) in another IIS application.
references:
  - https://www.fireeye.com/blog/threat-research/2021/03/detection-response-to-exploitation-of-microsoft-exchange-zero-day-vulnerabilities.html
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/Defender-MSERT-Guidance.md
--- */
WITH names AS (
  SELECT value AS name, min(source) AS source FROM indicators WHERE type = 'filename' GROUP BY value
  UNION ALL
  SELECT regexp_extract(value, '[^\\]+$') AS name, min(source) AS source
  FROM indicators WHERE type = 'filepath' AND value LIKE '%.aspx' GROUP BY regexp_extract(value, '[^\\]+$')
),
shell_names AS (SELECT name, min(source) AS source FROM names GROUP BY name),
compiled AS (
  SELECT agency, host, event_time, target_filename, image,
         regexp_extract(lower(target_filename), '([^\\]+\.aspx)\.[0-9a-f]{8}\.compiled$', 1) AS compiled_page
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id = 11 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4663 AND lower(channel) = 'security'))
    AND strpos(lower(target_filename), '\temporary asp.net files\') > 0
)
SELECT c.agency, c.host, min(c.event_time) AS first_seen, max(c.event_time) AS last_seen, count(*) AS hits,
       CASE WHEN bool_or(strpos(lower(c.target_filename), '\temporary asp.net files\root\') > 0) THEN 'high' ELSE 'low' END AS severity,
       c.compiled_page, min(c.target_filename) AS target_filename, min(s.source) AS indicator_source
FROM compiled c
JOIN shell_names s ON c.compiled_page = s.name
GROUP BY c.agency, c.host, c.compiled_page
