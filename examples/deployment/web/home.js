// The deployment's home: the services it runs, or straight to the only one.
const list = document.getElementById('services');
fetch('/services.json').then((r) => r.json()).then(({ services }) => {
  if (services.length === 1) {
    location.replace(`/${encodeURIComponent(services[0].id)}/portal/`);
    return;
  }
  list.replaceChildren(...services.map((s) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `/${encodeURIComponent(s.id)}/portal/`;
    a.textContent = s.name;
    li.append(a);
    return li;
  }));
}).catch(() => { /* the static list stays */ });
