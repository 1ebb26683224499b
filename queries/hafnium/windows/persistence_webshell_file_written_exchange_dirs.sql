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
  file under \inetpub\wwwroot\aspnet_client\ or FrontEnd\HttpProxy\OAB\, any new file (whatever its extension,
  Volexity) anywhere under FrontEnd\HttpProxy\owa\auth\ (Current and version folders included) except the stock page
  names, any file under FrontEnd\HttpProxy\ecp\auth\ except TimeoutLogoff.aspx (Sigma
  file_event_win_exchange_webshell_drop, Elastic, signature-base file names, MSERT guidance). The stock page names stay
  in scope when the writer is w3wp.exe or a UM process (a trojanized logon.aspx). Paths are compared by their
  install-independent part (Exchange is often on D:). Sources: Sysmon file create (11), Security 4663 and 5145 whose
  access mask has a write bit (WriteData 0x2 or AppendData 0x4, tested as bits: masks combine rights): the
  CVE-2021-26858/27065 write arrives through \\127.0.0.1\C$, which is mapped back to C:\ here. Writes by the
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
         -- 4663/5145 with WriteData (0x2) or AppendData (0x4) set, as bits: the last hex digit has bit 1 or 2 set.
         OR (event_id IN (4663, 5145) AND lower(channel) = 'security' AND regexp_like(lower(access_mask), '^0x[0-9a-f]*[2-7a-f]$')))
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
-- Stage 2: web-shell locations and extensions; stock Exchange pages excluded unless the exploit's writer wrote them.
hits AS (
  SELECT * FROM norm
  WHERE coalesce(writer, '') NOT IN ('msiexec.exe', 'exsetup.exe', 'setup.exe', 'exsetupui.exe', 'trustedinstaller.exe')
    AND ((regexp_like(file_path, '\\inetpub\\wwwroot\\aspnet_client\\.*\.(aspx|asmx|ashx|asax|asp|php|jsp|cfm|shtml)$'))
      OR (regexp_like(file_path, '\\frontend\\httpproxy\\oab\\.*\.(aspx|asmx|ashx|asax|asp|php|jsp|cfm|shtml)$'))
      -- Any file under owa\auth (Volexity: "any file that is not part of a standard install").
      OR (strpos(file_path, '\frontend\httpproxy\owa\auth\') > 0
          AND (regexp_extract(file_path, '[^\\]+$') NOT IN ('errorfe.aspx', 'expiredpassword.aspx', 'frowny.aspx', 'logoff.aspx',
                   'logon.aspx', 'outlookcn.aspx', 'redirsuiteserviceproxy.aspx', 'signout.aspx', 'getidtoken.htm')
               OR coalesce(writer, '') IN ('w3wp.exe', 'umworkerprocess.exe', 'umservice.exe')))
      OR (strpos(file_path, '\frontend\httpproxy\ecp\auth\') > 0
          AND (regexp_extract(file_path, '[^\\]+$') <> 'timeoutlogoff.aspx'
               OR coalesce(writer, '') IN ('w3wp.exe', 'umworkerprocess.exe', 'umservice.exe'))))
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN bool_or(via_loopback_share) OR bool_or(writer IN ('w3wp.exe', 'umworkerprocess.exe', 'umservice.exe'))
            THEN 'critical' ELSE 'high' END AS severity,
       file_path, min(target_filename) AS target_filename, min(image) AS image, min(event_id) AS event_id,
       bool_or(via_loopback_share) AS via_loopback_share
FROM hits
GROUP BY agency, host, file_path
