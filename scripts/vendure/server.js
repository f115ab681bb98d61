'use strict';
// A minimal Vendure 3 server for erpbridge's Vendure adapter tests: SQLite in
// WebAssembly (sql.js), so no database server and no native build. Plain
// JavaScript, so there is no build step.
//
// Environment:
//   VENDURE_PORT            port on 127.0.0.1 (default 3055)
//   VENDURE_DATA_DIR        folder for vendure.sqlite (required; run.sh makes a fresh one)
//   VENDURE_SUPERADMIN_USER superadmin user name (default superadmin)
//   VENDURE_SUPERADMIN_PASS superadmin password (default superadmin)
//   ERPBRIDGE_WEBHOOK_URL   optional: where order events are POSTed
//   ERPBRIDGE_WEBHOOK_SECRET secret for their HMAC-SHA256 signature
//
// Vendure has no built-in webhooks. After bootstrap this file subscribes to the
// EventBus and POSTs OrderPlacedEvent and OrderStateTransitionEvent to
// ERPBRIDGE_WEBHOOK_URL, once each (no retries: the hub also polls):
//   X-Vendure-Event:       order.placed | order.state
//   X-Vendure-Event-Id:    unique id of the event
//   X-Vendure-Delivery-Id: unique id of this delivery
//   X-Vendure-Timestamp:   unix seconds
//   X-Vendure-Signature:   hex(HMAC-SHA256(secret, timestamp + "." + body))
// The body is the order with the field names of the Admin API's Order type
// (as the erpbridge adapter queries it), plus pricesIncludeTax and
// moneyPrecision.
//
// The ProductVariant and Product custom field "ean" holds EANs (Vendure has
// no EAN field); the adapter uses it with connection.ean_custom_field: ean.

process.env.VENDURE_DISABLE_TELEMETRY = 'true';

const crypto = require('node:crypto');
const path = require('node:path');
const {
    bootstrap,
    ConfigService,
    DefaultLogger,
    DefaultSearchPlugin,
    dummyPaymentHandler,
    EventBus,
    LogLevel,
    OrderPlacedEvent,
    OrderService,
    OrderStateTransitionEvent,
} = require('@vendure/core');

const port = Number(process.env.VENDURE_PORT || 3055);
const dataDir = process.env.VENDURE_DATA_DIR;
if (!dataDir) {
    console.error('server.js: VENDURE_DATA_DIR is not set');
    process.exit(2);
}

const config = {
    apiOptions: {
        hostname: '127.0.0.1',
        port,
        adminApiPath: 'admin-api',
        shopApiPath: 'shop-api',
    },
    authOptions: {
        tokenMethod: ['bearer', 'cookie'],
        superadminCredentials: {
            identifier: process.env.VENDURE_SUPERADMIN_USER || 'superadmin',
            password: process.env.VENDURE_SUPERADMIN_PASS || 'superadmin',
        },
        cookieOptions: {
            secret: crypto.randomBytes(16).toString('hex'),
        },
    },
    dbConnectionOptions: {
        type: 'sqljs',
        synchronize: true,
        location: path.join(dataDir, 'vendure.sqlite'),
        autoSave: true,
        logging: false,
    },
    paymentOptions: {
        paymentMethodHandlers: [dummyPaymentHandler],
    },
    logger: new DefaultLogger({ level: LogLevel.Info }),
    customFields: {
        Product: [{ name: 'ean', type: 'string', nullable: true }],
        ProductVariant: [{ name: 'ean', type: 'string', nullable: true }],
    },
    plugins: [DefaultSearchPlugin.init({ bufferUpdates: false, indexStockStatus: true })],
};

function address(a) {
    if (!a) {
        return null;
    }
    return {
        fullName: a.fullName || null,
        company: a.company || null,
        streetLine1: a.streetLine1 || null,
        streetLine2: a.streetLine2 || null,
        city: a.city || null,
        province: a.province || null,
        postalCode: a.postalCode || null,
        countryCode: a.countryCode || null,
        phoneNumber: a.phoneNumber || null,
    };
}

// apiOrder renders an Order entity with the field names the adapter's Admin
// API query uses, so one parser reads both.
function apiOrder(o, channel, precision) {
    const c = o.customer;
    return {
        id: String(o.id),
        pricesIncludeTax: channel ? !!channel.pricesIncludeTax : undefined,
        moneyPrecision: precision,
        code: o.code,
        state: o.state,
        active: o.active,
        createdAt: o.createdAt,
        updatedAt: o.updatedAt,
        orderPlacedAt: o.orderPlacedAt || null,
        currencyCode: o.currencyCode,
        subTotal: o.subTotal,
        subTotalWithTax: o.subTotalWithTax,
        shipping: o.shipping,
        shippingWithTax: o.shippingWithTax,
        total: o.total,
        totalWithTax: o.totalWithTax,
        customer: c
            ? {
                  id: String(c.id),
                  firstName: c.firstName,
                  lastName: c.lastName,
                  emailAddress: c.emailAddress,
                  phoneNumber: c.phoneNumber || null,
              }
            : null,
        shippingAddress: address(o.shippingAddress),
        billingAddress: address(o.billingAddress),
        lines: (o.lines || []).map(l => ({
            id: String(l.id),
            quantity: l.quantity,
            unitPrice: l.unitPrice,
            unitPriceWithTax: l.unitPriceWithTax,
            linePrice: l.linePrice,
            linePriceWithTax: l.linePriceWithTax,
            taxRate: l.taxRate,
            productVariant: l.productVariant
                ? { id: String(l.productVariant.id), sku: l.productVariant.sku, name: l.productVariant.name }
                : null,
        })),
        shippingLines: (o.shippingLines || []).map(s => ({
            price: s.price,
            priceWithTax: s.priceWithTax,
            shippingMethod: s.shippingMethod ? { code: s.shippingMethod.code, name: s.shippingMethod.name } : null,
        })),
    };
}

async function deliver(url, secret, body, event, eventId) {
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = crypto.createHmac('sha256', secret).update(ts + '.' + body).digest('hex');
    const res = await fetch(url, {
        method: 'POST',
        headers: {
            'Content-Type': 'application/json',
            'X-Vendure-Event': event,
            'X-Vendure-Event-Id': eventId,
            'X-Vendure-Delivery-Id': crypto.randomUUID(),
            'X-Vendure-Timestamp': ts,
            'X-Vendure-Signature': sig,
        },
        body,
        signal: AbortSignal.timeout(10000),
    });
    if (res.status < 200 || res.status > 299) {
        throw new Error('webhook answered HTTP ' + res.status);
    }
}

function subscribeWebhooks(app) {
    const url = process.env.ERPBRIDGE_WEBHOOK_URL;
    if (!url) {
        return;
    }
    const secret = process.env.ERPBRIDGE_WEBHOOK_SECRET || '';
    const eventBus = app.get(EventBus);
    const orders = app.get(OrderService);
    const precision = app.get(ConfigService).entityOptions.moneyStrategy.precision ?? 2;
    const send = (name, ev) => {
        // Deliveries are hints: the hub also polls. One try, logged on failure.
        (async () => {
            const order = (await orders.findOne(ev.ctx, ev.order.id)) || ev.order;
            const body = JSON.stringify(apiOrder(order, ev.ctx.channel, precision));
            await deliver(url, secret, body, name, crypto.randomUUID());
        })().catch(err => console.error('erpbridge webhook ' + name + ' failed: ' + err.message));
    };
    eventBus.ofType(OrderPlacedEvent).subscribe(ev => send('order.placed', ev));
    eventBus.ofType(OrderStateTransitionEvent).subscribe(ev => send('order.state', ev));
    console.log('erpbridge webhooks go to ' + url);
}

bootstrap(config)
    .then(app => {
        subscribeWebhooks(app);
        console.log('erpbridge-vendure ready on http://127.0.0.1:' + port);
    })
    .catch(err => {
        console.error(err);
        process.exit(1);
    });
