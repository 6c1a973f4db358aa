import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The demo project allows http://localhost:8787 only: add this app's origin once with
//   npx -y pnpm@10 relay origins add http://localhost:5173 --project <id>
export default defineConfig({
  plugins: [react()],
  server: { port: 5173, strictPort: true },
  preview: { port: 5173, strictPort: true },
});
