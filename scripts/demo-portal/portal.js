// The demo portal's page: mounts the app with the host SDK, lists events, and hands the usage
// code to its own back end (POST /api/redeem), which redeems it with the portal's access system.
(function () {
  'use strict';
  var handle = null;
  var list = document.getElementById('events');
  var result = document.getElementById('result');

  function log(event) {
    var item = document.createElement('li');
    var copy = Object.assign({}, event);
    // Shown on screen for the demo, but shortened: a usage code is a bearer credential.
    if (copy.authCode) copy.authCode = copy.authCode.slice(0, 6) + '…';
    item.textContent = event.type + ' ' + JSON.stringify(copy);
    item.setAttribute('data-type', event.type);
    list.appendChild(item);
  }

  function redeem(event) {
    result.textContent = '正在核验…';
    fetch('/api/redeem', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ authCode: event.authCode }) })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (answer) {
        result.textContent = answer.ok
          ? '已核验：' + answer.body.licenseName + '（' + answer.body.issueOrgName + '，' + answer.body.fieldCount + ' 项数据）'
          : '核验失败：' + answer.body.error;
        result.setAttribute('data-state', answer.ok ? 'redeemed' : 'failed');
      });
  }

  document.getElementById('mount-form').addEventListener('submit', function (e) {
    e.preventDefault();
    if (handle) handle.destroy();
    handle = window.EcertHolder.mount(document.getElementById('ecert'), {
      serviceItemCode: document.getElementById('service-item').value.trim() || undefined,
    });
    handle.on('*', log);
    handle.on('authorised', redeem);
  });
})();
