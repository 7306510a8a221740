/**
 * The report charts' colours, from the design tokens (--c-chart-*): a canvas cannot use CSS
 * variables, and the tokens are light-dark() pairs, so each is resolved by the browser on a
 * probe element's `color` and read back as the colour in force now (light or dark).
 */
export function chartColours(host: Element): { series: [string, string, string]; grid: string; text: string } {
  const probe = document.createElement('span')
  probe.style.display = 'none'
  host.appendChild(probe)
  const read = (token: string) => { probe.style.color = `var(${token})`; return getComputedStyle(probe).color }
  try {
    return { series: [read('--c-chart-1'), read('--c-chart-2'), read('--c-chart-3')], grid: read('--c-chart-grid'), text: read('--c-chart-text') }
  } finally {
    probe.remove()
  }
}
