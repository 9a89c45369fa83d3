import type { Catalog } from './index';

export const es: Catalog = {
  states: { up: 'operativo', down: 'caído', degraded: 'degradado', unknown: 'desconocido' },
  title(name, toState, fromState) {
    switch (toState) {
      case 'down':
        return `${name} está CAÍDO`;
      case 'up':
        return fromState === 'unknown'
          ? `${name} está OPERATIVO`
          : `${name} vuelve a estar OPERATIVO`;
      case 'degraded':
        return `${name} está DEGRADADO`;
      default:
        return `${name} ahora está ${toState}`;
    }
  },
  reminderTitle: (name, state) => `${name} sigue ${state.toUpperCase()}`,
  flappingTitle: (name) => `${name} está INESTABLE`,
  stableTitle: (name, state) => `${name} vuelve a estar estable (${state})`,
  stateChanges: (transitions, window) =>
    `${transitions} ${transitions === 1 ? 'cambio' : 'cambios'} de estado en ${window}`,
  flappingNotice: (changes) =>
    `${changes === null ? '' : `${changes}. `}Las próximas alertas quedan en espera hasta que se estabilice.`,
  stableNotice: 'Se reanudan las alertas.',
  expiringTitle: (name, days) =>
    days > 0 ? `${name} caduca en ${days} ${days === 1 ? 'día' : 'días'}` : `${name} ha CADUCADO`,
  expiringNotice: (name, tier, days, date) =>
    days > 0
      ? `${name} (plan ${tier}) caduca en ${days} ${days === 1 ? 'día' : 'días'}, el ${date}; renueva la suscripción para que se siga comprobando.`
      : `${name} (plan ${tier}) caducó el ${date}; no se comprueba hasta que se renueve.`,
  testTitle: (name) => `Alerta de prueba para ${name}`,
  testNotice:
    'Esta es una alerta de prueba enviada por Lighthouse para comprobar este canal. No ha cambiado nada.',
  labels: {
    subscription: 'Suscripción',
    target: 'Objetivo',
    state: 'Estado',
    flapping: 'Inestabilidad',
    error: 'Error',
    httpStatus: 'Estado HTTP',
    responseTime: 'Tiempo de respuesta',
    time: 'Hora',
    downtime: 'Tiempo caído',
    downFor: 'Lleva caído',
    since: 'Caído desde',
    tier: 'Plan',
    paidUntil: 'Pagada hasta',
  },
  failedRegions: (failed, total) =>
    `Falló en ${failed} de ${total} ${total === 1 ? 'región' : 'regiones'}`,
  errorCategories: {
    dns: 'fallo de DNS',
    connect: 'fallo de conexión',
    tls: 'error de TLS',
    timeout: 'tiempo de espera agotado',
    status: 'estado inesperado',
    assertion: 'comprobación fallida',
    blocked: 'dirección bloqueada',
    internal: 'error interno',
  },
  months: [
    'enero',
    'febrero',
    'marzo',
    'abril',
    'mayo',
    'junio',
    'julio',
    'agosto',
    'septiembre',
    'octubre',
    'noviembre',
    'diciembre',
  ],
  date: (day, month, year) => `${day} de ${month} de ${year}`,
  units: { d: 'd', h: 'h', min: 'min', s: 's' },
};
