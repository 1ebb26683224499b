/* ---
id: 6788be3d-b2ba-4753-8284-36bbda4e8688
name: "Web-shell file written under aspnet_client, owa\\auth, ecp\\auth or the OAB folder (Sysmon 11, Security 4663, share writes 5145)"
status: stable
severity: high
cves: [CVE-2021-26858, CVE-2021-27065]
mitre: ["TA0003:T1505.003"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [file_path]
description: >
  A script file created or written where ProxyLogon web shells are dropped: any .aspx/.asmx/.ashx/.asax/.asp/.php/.jsp
  file under \inetpub\wwwroot\aspnet_client\ or FrontEnd\HttpProxy\OAB\, a non-stock .aspx anywhere under
  FrontEnd\HttpProxy\owa\auth\ (Current and version folders included), any file under FrontEnd\HttpProxy\ecp\auth\
  except TimeoutLogoff.aspx (Sigma file_event_win_exchange_webshell_drop, Elastic, signature-base file names, MSERT
  guidance). Sources: Sysmon file create (11), Security 4663 with a write access mask, and Security 5145 share writes:
  the CVE-2021-26858/27065 write arrives through \\127.0.0.1\C$, which is mapped back to C:\ here. Writes by the
  Exchange installer (msiexec, ExSetup) are excluded. A write by w3wp.exe or a UM process, or through the loopback
  share, is the exploit itself and is critical.
why_severity: >
  Sigma and Elastic rate the drop high; the exploit's own writer (w3wp/UM) or the loopback share write is critical.
false_positives:
  - Custom pages deployed under aspnet_client by an administrator.
references:
  - https://github.com/SigmaHQ/sigma/tree/master/rules/windows/file/file_event
  - https://github.com/elastic/detection-rules/blob/main/rules/windows/initial_access_suspicious_ms_exchange_files.toml
  - https://github.com/Neo23x0/signature-base/blob/master/iocs/filename-iocs.txt
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/Defender-MSERT-Guidance.md
--- */
-- Stage 1: file writes, with the path normalized (\\127.0.0.1\C$\x -> c:\x, \??\C:\x -> c:\x).
WITH writes AS (
  SELECT agency, host, event_time, event_id, image, target_filename, lower(target_filename) AS p, ip_address,
         regexp_extract(lower(coalesce(image, '')), '[^\\]+$') AS writer
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id = 11 AND strpos(lower(channel), 'sysmon') > 0)
         -- 4663/5145 with a write or append right (WriteData 0x2, AppendData 0x4, WriteEA 0x10, WriteAttributes 0x100).
         OR (event_id IN (4663, 5145) AND lower(channel) = 'security' AND lower(access_mask) IN ('0x2', '0x4', '0x6', '0x10', '0x100', '0x116', '0x12019f')))
    AND target_filename IS NOT NULL
),
norm AS (
  SELECT *,
         CASE WHEN strpos(p, '\??\') = 1 THEN substr(p, 5)
              WHEN strpos(p, '\\') = 1 AND strpos(p, '$\') > 0
                THEN substr(p, strpos(p, '$\') - 1, 1) || ':' || substr(p, strpos(p, '$\') + 1)
              ELSE p END AS file_path,
         -- 5145 from the loopback address, or a \\127.0.0.1\ path: the exploit writing through the admin share.
         (regexp_like(p, '^\\\\(127\.0\.0\.1|localhost|::1)\\')
          OR (event_id = 5145 AND coalesce(ip_address, '') IN ('127.0.0.1', '::1'))) AS via_loopback_share
  FROM writes
),
-- Stage 2: web-shell locations and extensions; stock Exchange pages excluded.
hits AS (
  SELECT * FROM norm
  WHERE coalesce(writer, '') NOT IN ('msiexec.exe', 'exsetup.exe', 'setup.exe', 'exsetupui.exe', 'trustedinstaller.exe')
    AND ((regexp_like(file_path, '\\inetpub\\wwwroot\\aspnet_client\\.*\.(aspx|asmx|ashx|asax|asp|php|jsp|cfm|shtml)$'))
      OR (regexp_like(file_path, '\\frontend\\httpproxy\\oab\\.*\.(aspx|asmx|ashx|asax|asp|php|jsp|cfm|shtml)$'))
      OR (regexp_like(file_path, '\\frontend\\httpproxy\\owa\\auth\\.*\.aspx$')
          AND regexp_extract(file_path, '[^\\]+$') NOT IN ('errorfe.aspx', 'expiredpassword.aspx', 'frowny.aspx', 'logoff.aspx',
              'logon.aspx', 'outlookcn.aspx', 'redirsuiteserviceproxy.aspx', 'signout.aspx'))
      OR (strpos(file_path, '\frontend\httpproxy\ecp\auth\') > 0 AND regexp_extract(file_path, '[^\\]+$') <> 'timeoutlogoff.aspx'))
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN bool_or(via_loopback_share) OR bool_or(writer IN ('w3wp.exe', 'umworkerprocess.exe', 'umservice.exe'))
            THEN 'critical' ELSE 'high' END AS severity,
       file_path, min(target_filename) AS target_filename, min(image) AS image, min(event_id) AS event_id,
       bool_or(via_loopback_share) AS via_loopback_share
FROM hits
GROUP BY agency, host, file_path
