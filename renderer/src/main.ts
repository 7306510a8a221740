import { createApp, h } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { API_KEY } from './api/use-api'
import { createApiClient, MissingLaunchToken } from './api/client'
import './styles/index.css'
import { i18n, tr } from './i18n'

try {
  const app = createApp(App)
  app.provide(API_KEY, createApiClient())
  app.use(createPinia())
  app.use(i18n)
  app.mount('#app')
} catch (e) {
  const message = e instanceof MissingLaunchToken ? tr('app.launchToken') : tr('app.couldNotStart', { detail: String(e) })
  createApp({ render: () => h('p', { class: 'center field-error', role: 'alert' }, message) }).mount('#app')
}
