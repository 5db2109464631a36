// The floor bench:web measures the wallet against: Vue 3 rendering a heading, a list and a QR
// code drawn by the same `qrcode` package, built by the same Vite, nothing else.
import { createApp, h, onMounted, ref } from 'vue';
import { toDataURL } from 'qrcode';

const Floor = {
  setup() {
    const src = ref('');
    onMounted(async () => {
      src.value = await toDataURL('https://example.gov.cn/c/AAAAAAAAAAAAAAAAAAAAAA', { margin: 1, width: 240 });
    });
    return () => h('main', [
      h('h1', '电子证照'),
      h('ul', ['居民户口簿', '结婚证', '学历证书'].map((name) => h('li', name))),
      src.value ? h('img', { src: src.value, alt: '用证码', width: 240, height: 240 }) : null,
    ]);
  },
};

createApp(Floor).mount('#app');
