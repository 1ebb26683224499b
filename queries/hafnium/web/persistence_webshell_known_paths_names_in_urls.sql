/* ---
id: ab41f8b4-4e22-4c30-972d-be729ba45956
name: "Requests to known ProxyLogon web-shell paths (MSTIC) and web-shell file names (SCS-Labs, CSS-Exchange PR 150)"
status: stable
severity: medium
cves: [CVE-2021-26858, CVE-2021-27065]
mitre: ["TA0003:T1505.003"]
log_families: [iis, httpproxy]
key_fields: [uri_stem]
description: >
  Matches request URLs against the indicators table: MSTIC file-path indicators under \inetpub\wwwroot\ and
  FrontEnd\HttpProxy\ are turned into the URL they are served at (C:\inetpub\wwwroot\aspnet_client\supp0rt.aspx ->
  /aspnet_client/supp0rt.aspx), and web-shell file names (type filename) are compared with the last segment of the URL
  when it lies under a web-shell directory (/aspnet_client/, /owa/auth/, /ecp/auth/, /oab/). url_path indicators
  (from a CSV or a STIX url:value) are compared with the URL path directly. Successful requests to
  a published shell path are high; name-only matches and failed requests are amber.
why_severity: >
  An answer (2xx/3xx) on an exact published shell path means the file exists and answers (high). Name lists are generic (error.aspx,
  web.aspx) and scanners probe the same paths on clean servers and get 404s (low).
false_positives:
  - Scanners probing for published shell paths (status 404, low).
references:
  - https://github.com/Azure/Azure-Sentinel/blob/master/Sample%20Data/Feeds/MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.csv
  - https://github.com/SCS-Labs/HAFNIUM-Microsoft-Exchange-0day/blob/main/indicators/webshell_names
  - https://github.com/microsoft/CSS-Exchange/pull/150
prefilter:
  # The requests stage 2 can match: an indicator path or URL path, or an indicator file name.
  web_requests: >-
    (strpos(lower(uri_stem), '/aspnet_client/') = 1 OR strpos(lower(uri_stem), '/owa/auth/') = 1
    OR strpos(lower(uri_stem), '/ecp/auth/') = 1 OR strpos(lower(uri_stem), '/oab/') = 1)
    AND (lower(uri_stem) IN (SELECT CASE
    WHEN strpos(value, '\inetpub\wwwroot\') > 0 THEN '/' || replace(substr(value, strpos(value, '\inetpub\wwwroot\') + 17), '\', '/')
    WHEN strpos(value, '\frontend\httpproxy\') > 0 THEN '/' || replace(substr(value, strpos(value, '\frontend\httpproxy\') + 20), '\', '/')
    END FROM indicators WHERE type = 'filepath')
    OR lower(uri_stem) IN (SELECT value FROM indicators WHERE type = 'url_path')
    OR regexp_extract(lower(uri_stem), '[^/]+$') IN (SELECT value FROM indicators WHERE type = 'filename'))
--- */
-- Stage 1: indicator file paths -> URL paths; indicator file names as they are.
WITH shell_urls AS (
  SELECT CASE
           WHEN strpos(value, '\inetpub\wwwroot\') > 0
             THEN '/' || replace(substr(value, strpos(value, '\inetpub\wwwroot\') + 17), '\', '/')
           WHEN strpos(value, '\frontend\httpproxy\') > 0
             THEN '/' || replace(substr(value, strpos(value, '\frontend\httpproxy\') + 20), '\', '/')
         END AS url, min(source) AS source
  FROM indicators
  WHERE type = 'filepath'
  GROUP BY 1
  UNION ALL
  -- URL-path indicators (type url_path) are compared as they are.
  SELECT value AS url, min(source) AS source FROM indicators WHERE type = 'url_path' GROUP BY value
),
shell_names AS (
  SELECT value AS name, min(source) AS source FROM indicators WHERE type = 'filename' GROUP BY value
),
reqs AS (
  SELECT agency, host, event_time, lower(uri_stem) AS uri_stem, regexp_extract(lower(uri_stem), '[^/]+$') AS file_name,
         status, client_ip
  FROM web_requests
  WHERE dt BETWEEN ? AND ?
    AND (strpos(lower(uri_stem), '/aspnet_client/') = 1 OR strpos(lower(uri_stem), '/owa/auth/') = 1
         OR strpos(lower(uri_stem), '/ecp/auth/') = 1 OR strpos(lower(uri_stem), '/oab/') = 1)
),
-- Stage 2: exact path matches, then name matches.
matched AS (
  SELECT r.*, 'path' AS match_type, u.url AS indicator, u.source AS indicator_source
  FROM reqs r JOIN shell_urls u ON r.uri_stem = u.url
  UNION ALL
  SELECT r.*, 'name' AS match_type, n.name AS indicator, n.source AS indicator_source
  FROM reqs r JOIN shell_names n ON r.file_name = n.name
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN count_if(match_type = 'path' AND status BETWEEN 200 AND 399) > 0 THEN 'high'
            WHEN count_if(status BETWEEN 200 AND 399) > 0 THEN 'medium'
            ELSE 'low' END AS severity,
       uri_stem,
       -- Prefer the exact path indicator over a name match when both matched.
       coalesce(min(CASE WHEN match_type = 'path' THEN indicator END), min(indicator)) AS indicator,
       coalesce(min(CASE WHEN match_type = 'path' THEN indicator_source END), min(indicator_source)) AS indicator_source,
       min(client_ip) AS client_ip, max(status) AS max_status
FROM matched
GROUP BY agency, host, uri_stem
