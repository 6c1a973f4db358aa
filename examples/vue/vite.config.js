import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// The demo project allows http://localhost:8787 only: add this app's origin once with
//   npx -y pnpm@10 relay origins add http://localhost:5174 --project <id>
// (5174, so that it can run beside the React example on 5173.)
export default defineConfig({
  plugins: [vue()],
  server: { port: 5174, strictPort: true },
  preview: { port: 5174, strictPort: true },
});
