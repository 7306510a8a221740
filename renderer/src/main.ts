import { createApp, h } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { API_KEY } from './api/use-api'
import { createApiClient, MissingLaunchToken } from './api/client'
import './styles.css'

try {
  const app = createApp(App)
  app.provide(API_KEY, createApiClient())
  app.use(createPinia())
  app.mount('#app')
} catch (e) {
  const message = e instanceof MissingLaunchToken ? e.message : `Tandem could not start: ${String(e)}`
  createApp({ render: () => h('p', { class: 'center field-error', role: 'alert' }, message) }).mount('#app')
}
