/* ---
id: 144b65e2-f6cf-43a3-87c3-09f07f46ab0e
name: "Script files in web-shell locations of a file inventory (aspnet_client, owa\\auth, ecp\\auth, OAB)"
status: stable
severity: medium
cves: [CVE-2021-26858, CVE-2021-27065]
mitre: ["TA0003:T1505.003"]
log_families: [file_inventory]
key_fields: [path]
description: >
  Files listed in an inventory where ProxyLogon web shells are dropped (Volexity, MSERT guidance, signature-base file
  names, Splunk "Detect Exchange Web Shell"): script files under \inetpub\wwwroot\aspnet_client\ or
  FrontEnd\HttpProxy\OAB\, non-stock .aspx files anywhere under FrontEnd\HttpProxy\owa\auth\, and any file under
  FrontEnd\HttpProxy\ecp\auth\ other than TimeoutLogoff.aspx. signature-base's highest-scored forms (8 random
  alphanumerics in aspnet_client\system_web\, .aspx in owa\auth\Current\ or a version folder) are raised to high.
why_severity: >
  An inventory cannot say when or by whom a file was written, so a file in these folders is suspicious (medium) unless
  it has the shape signature-base scores 90 (high).
false_positives:
  - Custom pages deployed under aspnet_client; Exchange pages added by a newer CU that are not in the stock list.
references:
  - https://www.volexity.com/blog/2021/03/02/active-exploitation-of-microsoft-exchange-zero-day-vulnerabilities/
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/Defender-MSERT-Guidance.md
  - https://github.com/Neo23x0/signature-base/blob/master/iocs/filename-iocs.txt
  - https://github.com/splunk/security_content/blob/develop/detections/endpoint/detect_exchange_web_shell.yml
--- */
WITH files AS (
  -- A snapshot (Get-FileHash has no file times) is dated by its day: the day the inventory file was written.
  SELECT agency, host, coalesce(event_time, CAST(dt AS timestamp)) AS event_time, path, lower(path) AS p, lower(coalesce(file_name, regexp_extract(path, '[^\\]+$'))) AS name,
         hash, last_write_time
  FROM file_inventory
  WHERE dt BETWEEN ? AND ?
),
hits AS (
  SELECT * FROM files
  WHERE regexp_like(p, '\\inetpub\\wwwroot\\aspnet_client\\.*\.(aspx|asmx|ashx|asax|asp|php|jsp|cfm|shtml)$')
     OR regexp_like(p, '\\frontend\\httpproxy\\oab\\.*\.(aspx|asmx|ashx|asax|asp|php|jsp|cfm|shtml)$')
     OR (regexp_like(p, '\\frontend\\httpproxy\\owa\\auth\\.*\.aspx$')
         AND name NOT IN ('errorfe.aspx', 'expiredpassword.aspx', 'frowny.aspx', 'logoff.aspx', 'logon.aspx',
                          'outlookcn.aspx', 'redirsuiteserviceproxy.aspx', 'signout.aspx'))
     OR (strpos(p, '\frontend\httpproxy\ecp\auth\') > 0 AND name <> 'timeoutlogoff.aspx')
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN regexp_like(p, '\\aspnet_client\\system_web\\[a-z0-9]{8}\.aspx$')
              OR regexp_like(p, '\\owa\\auth\\current\\[^\\]{1,20}\.aspx$')
              OR regexp_like(p, '\\owa\\auth\\[0-9.]{6,12}\\[^\\]{1,20}\.aspx$') THEN 'high'
            ELSE 'medium' END AS severity,
       path, min(hash) AS hash, max(last_write_time) AS last_write_time
FROM hits
GROUP BY agency, host, path, p
