/** One entry of the editor's `/` list: a saved reply the composer offers (RichEditor.vue). */
export interface SlashChoice {
  id: string
  name: string
  /** A line under the name: what it starts with, and whose it is. */
  detail: string
  /** Its HTML as it goes into the message (placeholders filled when it is picked). */
  html: () => string
  /** Called once it is in the message. */
  inserted?: () => void
}

/**
 * The name typed after a `/` that starts the text before the cursor or follows a space (a `/`
 * inside a word or an address, as in "and/or" or a link, is not one); null when there is none.
 */
export function slashQueryBefore(textBefore: string): string | null {
  const m = /(?:^|\s)\/([^\s/]{0,40})$/.exec(textBefore)
  return m ? m[1]! : null
}

/** Choices whose name matches what was typed: names that start with it first, then names that hold it. */
export function matchChoices<T extends { name: string }>(all: readonly T[], query: string): T[] {
  const q = query.toLocaleLowerCase()
  const starts = all.filter((c) => c.name.toLocaleLowerCase().startsWith(q))
  const holds = q ? all.filter((c) => !c.name.toLocaleLowerCase().startsWith(q) && c.name.toLocaleLowerCase().includes(q)) : []
  return [...starts, ...holds]
}
