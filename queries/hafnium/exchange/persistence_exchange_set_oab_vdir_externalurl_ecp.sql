/* ---
id: 5054b040-02dc-4b36-a0a7-9b29db4371e5
name: "S:CMD=Set-OabVirtualDirectory.ExternalUrl= in the ECP Server log (Volexity, signature-base)"
status: stable
severity: low
cves: [CVE-2021-27065]
mitre: ["TA0003:T1505.003"]
log_families: [ecp_server]
key_fields: [cmd]
variant_of: 231a5951-5194-4cfb-9fbe-53b92ffb60b3
description: >
  The exploitation trace Volexity printed and signature-base's EXPL_LOG_CVE_2021_27065_Exchange_Forensic_Artefacts_Mar21_1
  matches: an ECP Server log entry containing S:CMD=Set-OabVirtualDirectory.ExternalUrl='. Volexity's sample had the
  value removed, so this rule cannot tell a web shell from a valid URL; the refined rule (tag in the URL) is critical.
why_severity: >
  The same text is logged when an administrator sets a valid OAB ExternalUrl through ECP; without the value check it is
  suspicious only (low).
false_positives:
  - Administrators setting the OAB ExternalUrl in ECP.
references:
  - https://www.volexity.com/blog/2021/03/02/active-exploitation-of-microsoft-exchange-zero-day-vulnerabilities/
  - https://github.com/Neo23x0/signature-base/blob/master/yara/apt_hafnium_log_sigs.yar
--- */
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       cmd, min(url) AS url, min(user_sid) AS user_sid
FROM exchange_logs
WHERE dt BETWEEN ? AND ?
  AND strpos(message, 'S:CMD=Set-OabVirtualDirectory.ExternalUrl=''') > 0
GROUP BY agency, host, cmd
