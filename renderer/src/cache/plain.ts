/** A deep copy as plain data: what the UI hands over may hold reactive proxies, which IndexedDB cannot store. */
export const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T
