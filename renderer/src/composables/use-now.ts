import { onBeforeUnmount, onMounted, ref } from 'vue'

/** The time, updated every second while the component is shown (for countdowns). */
export function useNow() {
  const now = ref(Date.now())
  let timer: ReturnType<typeof setInterval> | null = null
  onMounted(() => { timer = setInterval(() => { now.value = Date.now() }, 1000) })
  onBeforeUnmount(() => { if (timer) clearInterval(timer) })
  return now
}
