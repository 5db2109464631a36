// Pages of the sandbox's unified identity platform. Plain HTML forms with one same-origin
// stylesheet: no script at all, so a strict CSP (script-src 'self') holds and the pages work
// in any web-view. Every dynamic value goes through esc().

export const IDP_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

const PLATFORM = '北京市统一身份认证平台';

export function esc(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(opts: { title: string; cssHref: string; body: string }): string {
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="referrer" content="no-referrer">
<title>${esc(opts.title)} - ${PLATFORM}</title>
<link rel="stylesheet" href="${esc(opts.cssHref)}">
</head>
<body>
<header class="bar"><span class="emblem" aria-hidden="true">证</span><span>${PLATFORM}</span><span class="tag">演示环境</span></header>
<main class="card">
${opts.body}
</main>
<footer class="foot">本页面为沙箱演示用统一身份认证服务，仅用于开发与测试。</footer>
</body>
</html>`;
}

export interface LoginPageInput {
  cssHref: string;
  action: string;
  clientName: string;
  account?: string;
  error?: string;
}

export function loginPage(input: LoginPageInput): string {
  const error = input.error
    ? `<p class="error" role="alert" id="login-error">${esc(input.error)}</p>`
    : '';
  const describedBy = input.error ? ' aria-describedby="login-error" aria-invalid="true"' : '';
  return page({
    title: '登录',
    cssHref: input.cssHref,
    body: `<h1>个人用户登录</h1>
<p class="sub">登录后返回「${esc(input.clientName)}」</p>
${error}
<form method="post" action="${esc(input.action)}" novalidate>
  <label for="account">账号</label>
  <input id="account" name="account" type="text" autocomplete="username" autocapitalize="none" spellcheck="false"
    required maxlength="64" value="${esc(input.account ?? '')}"${describedBy}${input.account ? '' : ' autofocus'}>
  <label for="password">密码</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="128"${describedBy}${input.account ? ' autofocus' : ''}>
  <button type="submit">登录</button>
</form>
<p class="hint">演示账号：zhangsan、lisi、wangwu（持证人），staff01（窗口工作人员）；密码均为 demo123456。</p>`,
  });
}

export function messagePage(opts: { cssHref: string; title: string; message: string }): string {
  return page({
    title: opts.title,
    cssHref: opts.cssHref,
    body: `<h1>${esc(opts.title)}</h1>\n<p class="message" role="status">${esc(opts.message)}</p>`,
  });
}

/** RP-initiated logout confirmation; `form` is oidc-provider's hidden xsrf form (id="op.logoutForm"). */
export function logoutPage(opts: { cssHref: string; form: string }): string {
  return page({
    title: '退出登录',
    cssHref: opts.cssHref,
    body: `<h1>退出登录</h1>
<p class="message">是否退出${PLATFORM}？退出后需要重新登录才能使用电子证照服务。</p>
${opts.form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>确认退出</button>
<button type="submit" form="op.logoutForm" class="secondary">暂不退出</button>`,
  });
}

export const IDP_CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif;font-size:16px;line-height:1.5;color:#1f2329;background:#f2f4f7;min-width:320px}
.bar{display:flex;align-items:center;gap:8px;padding:12px;padding-top:max(12px,env(safe-area-inset-top));background:#c8161d;color:#fff;font-size:16px;font-weight:600}
.bar>span:nth-child(2){min-width:0}
.emblem{display:inline-flex;flex:none;width:28px;height:28px;border-radius:50%;background:#fff;color:#c8161d;align-items:center;justify-content:center;font-size:15px}
.tag{margin-left:auto;flex:none;white-space:nowrap;font-size:13px;font-weight:400;border:1px solid #fff;border-radius:4px;padding:0 6px}
.card{max-width:420px;margin:16px auto;padding:20px 16px;background:#fff;border-radius:8px}
@media (min-width:480px){.card{margin-top:40px;padding:28px 32px;box-shadow:0 1px 4px rgba(0,0,0,.08)}}
h1{margin:0 0 4px;font-size:22px}
.sub{margin:0 0 16px;color:#4e5969}
label{display:block;margin:16px 0 6px;font-weight:600}
input{display:block;width:100%;min-height:48px;padding:10px 12px;font-size:17px;border:1px solid #86909c;border-radius:6px;background:#fff;color:#1f2329}
input:focus-visible,button:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
input[aria-invalid=true]{border-color:#b42318}
button{display:block;width:100%;min-height:48px;margin-top:24px;font-size:18px;font-weight:600;color:#fff;background:#c8161d;border:0;border-radius:6px;cursor:pointer}
button.secondary{margin-top:12px;color:#1f2329;background:#e5e6eb}
.error{margin:12px 0 0;padding:10px 12px;color:#8a1c13;background:#fdecea;border:1px solid #f3b7b0;border-radius:6px}
.message{margin:12px 0}
.hint{margin:20px 0 0;font-size:14px;color:#4e5969}
.foot{max-width:420px;margin:0 auto 24px;padding:0 16px;font-size:13px;color:#4e5969;text-align:center}
@media (prefers-color-scheme:dark){body{background:#17181a;color:#e5e6eb}.card{background:#232427}input{background:#17181a;color:#e5e6eb;border-color:#86909c}.sub,.hint,.foot{color:#c9cdd4}button.secondary{background:#3a3b3f;color:#e5e6eb}.error{background:#3b1512;color:#ffd7d2;border-color:#8a1c13}}
`;
