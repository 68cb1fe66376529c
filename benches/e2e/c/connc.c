/* Peer: MariaDB Connector/C (libmariadb). `connc WORKLOAD URL`, printing the same JSON line as
 * the Rust contestants (see ../src/lib.rs for the workloads and the checksum). */
#include <mysql.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define PING_N 20000
#define POINT_N 20000
#define BIG_ROWS 200000
#define TASKS 64
#define CONNS 8
#define IDLE_CONNS 100
#define INSERT_CHUNK 10000

static const char *POINT_SQL = "SELECT id, b, s, d, dt, dc, t, n FROM big WHERE id = ?";
static const char *BIG_SQL = "SELECT id, b, s, d, dt, dc, t, n FROM big";
static const char *INSERT_SQL = "INSERT INTO ins (id, b, s, d, dt, dc, t, n) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char *INSERT_CHECK_SQL =
    "SELECT COUNT(*), CAST(SUM(b) AS SIGNED), CAST(SUM(LENGTH(s)) AS SIGNED), CAST(SUM(n) AS SIGNED), "
    "CAST(SUM(dc * 100) AS SIGNED) FROM ins";
static const char *INSERT_TEXT =
    "0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrs";

static char host[256], user[128], pw[128], db[128];
static unsigned port = 3306;

static void die(const char *what, const char *err) {
    fprintf(stderr, "%s: %s\n", what, err);
    exit(1);
}

static void parse_url(const char *url) {
    /* mysql://user:pw@host:port/db */
    if (sscanf(url, "mysql://%127[^:]:%127[^@]@%255[^:]:%u/%127[^?]", user, pw, host, &port, db) != 5)
        die("url", "expected mysql://user:pw@host:port/db");
}

static int compress = 0;

static MYSQL *connect_db(void) {
    MYSQL *m = mysql_init(NULL);
    if (compress) mysql_options(m, MYSQL_OPT_COMPRESS, NULL);
    if (!mysql_real_connect(m, host, user, pw, db, port, NULL, 0)) die("connect", mysql_error(m));
    return m;
}

static double tv(struct timeval t) { return t.tv_sec + t.tv_usec / 1e6; }
static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}
static long rss_now_kb(void) {
    long pages = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
        fclose(f);
    }
    return res * 4;
}

/* Peak RSS, KiB: VmHWM (ru_maxrss would carry the parent's peak across execve). */
static long max_rss_kb(void) {
    char line[256];
    long kb = 0;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) kb = atol(line + 6);
    fclose(f);
    return kb;
}

struct meter { double wall, user, sys; };
static struct meter meter_start(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    struct meter m = {now(), tv(ru.ru_utime), tv(ru.ru_stime)};
    return m;
}
static void meter_finish(struct meter m, const char *w, long ops, uint64_t check, double extra) {
    double wall = now() - m.wall;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    char ex[64];
    if (extra < 0) snprintf(ex, sizeof ex, "null"); else snprintf(ex, sizeof ex, "%.3f", extra);
    printf("{\"contestant\":\"connector-c\",\"workload\":\"%s\",\"ops\":%ld,\"check\":\"%016llx\","
           "\"wall_s\":%.6f,\"user_s\":%.6f,\"sys_s\":%.6f,\"maxrss_kb\":%ld,\"extra\":%s}\n",
           w, ops, (unsigned long long)check, wall, tv(ru.ru_utime) - m.user, tv(ru.ru_stime) - m.sys,
           max_rss_kb(), ex);
}

/* ---- the checksum of ../src/lib.rs ---- */
static uint64_t str_sig(const char *s, unsigned long len) {
    if (len == 0) return 0;
    return ((uint64_t)len << 16) | ((uint64_t)(unsigned char)s[0] << 8) | (unsigned char)s[len - 1];
}
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}
static int64_t dt_micros(int y, int mo, int d, int h, int mi, int s, long us) {
    return ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * 1000000LL) + us;
}
static int64_t parse_cents(const char *s, unsigned long len) {
    int64_t v = 0;
    int neg = 0, frac = -1;
    for (unsigned long i = 0; i < len; i++) {
        char c = s[i];
        if (c == '-') neg = 1;
        else if (c == '.') frac = 0;
        else { v = v * 10 + (c - '0'); if (frac >= 0) frac++; }
    }
    if (frac < 0) frac = 0;
    while (frac < 2) { v *= 10; frac++; }
    return neg ? -v : v;
}
static uint64_t row_hash(int32_t id, int64_t b, uint64_t s_sig, double d, int64_t dt, int64_t cents,
                         uint64_t t_sig, int n_null, int32_t n) {
    uint64_t dbits;
    memcpy(&dbits, &d, 8);
    uint64_t f[8] = {(uint64_t)(int64_t)id, (uint64_t)b, s_sig, dbits, (uint64_t)dt, (uint64_t)cents,
                     t_sig, n_null ? UINT64_MAX : (uint64_t)(int64_t)n};
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < 8; i++) h = (h ^ f[i]) * 0x100000001b3ULL;
    return h;
}
static uint64_t insert_check(int64_t *k) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < 5; i++) h = (h ^ (uint64_t)k[i]) * 0x100000001b3ULL;
    return h;
}

/* ---- a prepared statement with the eight result columns bound ---- */
struct bigstmt {
    MYSQL_STMT *st;
    MYSQL_BIND res[8], param[1];
    int32_t id, n, pid;
    int64_t b;
    double d;
    MYSQL_TIME dt;
    char s[64], dc[32], t[256];
    unsigned long s_len, dc_len, t_len;
    my_bool n_null;
};

static void bind_big(struct bigstmt *q, MYSQL *m, const char *sql, int with_param) {
    q->st = mysql_stmt_init(m);
    if (mysql_stmt_prepare(q->st, sql, strlen(sql))) die("prepare", mysql_stmt_error(q->st));
    memset(q->res, 0, sizeof q->res);
    q->res[0].buffer_type = MYSQL_TYPE_LONG; q->res[0].buffer = &q->id;
    q->res[1].buffer_type = MYSQL_TYPE_LONGLONG; q->res[1].buffer = &q->b;
    q->res[2].buffer_type = MYSQL_TYPE_STRING; q->res[2].buffer = q->s;
    q->res[2].buffer_length = sizeof q->s; q->res[2].length = &q->s_len;
    q->res[3].buffer_type = MYSQL_TYPE_DOUBLE; q->res[3].buffer = &q->d;
    q->res[4].buffer_type = MYSQL_TYPE_DATETIME; q->res[4].buffer = &q->dt;
    q->res[5].buffer_type = MYSQL_TYPE_STRING; q->res[5].buffer = q->dc;
    q->res[5].buffer_length = sizeof q->dc; q->res[5].length = &q->dc_len;
    q->res[6].buffer_type = MYSQL_TYPE_STRING; q->res[6].buffer = q->t;
    q->res[6].buffer_length = sizeof q->t; q->res[6].length = &q->t_len;
    q->res[7].buffer_type = MYSQL_TYPE_LONG; q->res[7].buffer = &q->n; q->res[7].is_null = &q->n_null;
    if (with_param) {
        memset(q->param, 0, sizeof q->param);
        q->param[0].buffer_type = MYSQL_TYPE_LONG;
        q->param[0].buffer = &q->pid;
        if (mysql_stmt_bind_param(q->st, q->param)) die("bind", mysql_stmt_error(q->st));
    }
    if (mysql_stmt_bind_result(q->st, q->res)) die("bind", mysql_stmt_error(q->st));
}

static uint64_t bound_hash(struct bigstmt *q) {
    MYSQL_TIME *t = &q->dt;
    return row_hash(q->id, q->b, str_sig(q->s, q->s_len), q->d,
                    dt_micros(t->year, t->month, t->day, t->hour, t->minute, t->second, t->second_part),
                    parse_cents(q->dc, q->dc_len), str_sig(q->t, q->t_len), q->n_null, q->n);
}

/* Executes the statement and sums the hash of every row; returns the rows seen. */
static long run_big(struct bigstmt *q, uint64_t *sum) {
    if (mysql_stmt_execute(q->st)) die("execute", mysql_stmt_error(q->st));
    long n = 0;
    int rc;
    while ((rc = mysql_stmt_fetch(q->st)) == 0) {
        *sum += bound_hash(q);
        n++;
    }
    if (rc != MYSQL_NO_DATA) die("fetch", mysql_stmt_error(q->st));
    return n;
}

static long point_id(long i) { return (i * 7919) % BIG_ROWS + 1; }

/* ---- concurrent: 64 threads over 8 connections behind mutexes ---- */
struct slot { pthread_mutex_t lock; MYSQL *m; struct bigstmt q; };
static struct slot slots[CONNS];
struct task { int t; uint64_t sum; };
static void *task_main(void *arg) {
    struct task *k = arg;
    for (long i = k->t; i < POINT_N; i += TASKS) {
        struct slot *s = &slots[k->t % CONNS];
        pthread_mutex_lock(&s->lock);
        s->q.pid = (int32_t)point_id(i);
        run_big(&s->q, &k->sum);
        pthread_mutex_unlock(&s->lock);
    }
    return NULL;
}

static uint64_t text_row_hash(MYSQL_ROW r, unsigned long *len) {
    int y, mo, d, h, mi, s;
    long us = 0;
    char frac[8] = {0};
    if (sscanf(r[4], "%d-%d-%d %d:%d:%d.%6s", &y, &mo, &d, &h, &mi, &s, frac) >= 6) {
        us = atol(frac);
        for (size_t k = strlen(frac); k < 6; k++) us *= 10;
    }
    return row_hash((int32_t)strtol(r[0], NULL, 10), strtoll(r[1], NULL, 10), str_sig(r[2], len[2]),
                    strtod(r[3], NULL), dt_micros(y, mo, d, h, mi, s, us), parse_cents(r[5], len[5]),
                    str_sig(r[6], len[6]), r[7] == NULL, r[7] ? (int32_t)strtol(r[7], NULL, 10) : 0);
}

int main(int argc, char **argv) {
    if (argc < 3) die("usage", "connc WORKLOAD URL");
    const char *w = argv[1];
    parse_url(argv[2]);
    compress = strstr(argv[2], "?compress") != NULL;
    MYSQL *m = connect_db();
    uint64_t sum = 0;
    if (!strcmp(w, "ping")) {
        struct meter t = meter_start();
        for (int i = 0; i < PING_N; i++) {
            if (mysql_real_query(m, "SELECT 1", 8)) die("query", mysql_error(m));
            MYSQL_RES *res = mysql_use_result(m);
            MYSQL_ROW r;
            while ((r = mysql_fetch_row(res))) sum += strtol(r[0], NULL, 10);
            mysql_free_result(res);
        }
        meter_finish(t, w, PING_N, sum, -1);
    } else if (!strcmp(w, "point")) {
        struct bigstmt q;
        bind_big(&q, m, POINT_SQL, 1);
        struct meter t = meter_start();
        for (long i = 0; i < POINT_N; i++) {
            q.pid = (int32_t)point_id(i);
            run_big(&q, &sum);
        }
        meter_finish(t, w, POINT_N, sum, -1);
    } else if (!strcmp(w, "big_bin")) {
        struct bigstmt q;
        bind_big(&q, m, BIG_SQL, 0);
        struct meter t = meter_start();
        long n = run_big(&q, &sum);
        meter_finish(t, w, n, sum, -1);
    } else if (!strcmp(w, "big_text")) {
        struct meter t = meter_start();
        if (mysql_real_query(m, BIG_SQL, strlen(BIG_SQL))) die("query", mysql_error(m));
        MYSQL_RES *res = mysql_use_result(m);
        MYSQL_ROW r;
        long n = 0;
        while ((r = mysql_fetch_row(res))) {
            sum += text_row_hash(r, mysql_fetch_lengths(res));
            n++;
        }
        mysql_free_result(res);
        meter_finish(t, w, n, sum, -1);
    } else if (!strcmp(w, "insert_batch")) {
        if (mysql_query(m, "TRUNCATE TABLE ins")) die("truncate", mysql_error(m));
        /* The rows, column-wise, built before measuring (like the Rust contestants' rows). */
        static int32_t id[BIG_ROWS], n[BIG_ROWS];
        static int64_t b[BIG_ROWS];
        static double d[BIG_ROWS];
        static MYSQL_TIME dt[BIG_ROWS], *dt_ptr[BIG_ROWS];
        static char s_buf[BIG_ROWS][16], dc_buf[BIG_ROWS][24];
        static char *s_ptr[BIG_ROWS], *dc_ptr[BIG_ROWS], *t_ptr[BIG_ROWS];
        static unsigned long s_len[BIG_ROWS], dc_len[BIG_ROWS], t_len[BIG_ROWS];
        static char n_ind[BIG_ROWS];
        for (int i = 0; i < BIG_ROWS; i++) {
            int v = i + 1;
            id[i] = v; b[i] = (int64_t)v * 3; d[i] = v * 0.5;
            s_len[i] = snprintf(s_buf[i], 16, "row-%d", v); s_ptr[i] = s_buf[i];
            dc_len[i] = snprintf(dc_buf[i], 24, "%d.%02d", v / 100, v % 100); dc_ptr[i] = dc_buf[i];
            t_ptr[i] = (char *)INSERT_TEXT; t_len[i] = 100;
            n[i] = v; n_ind[i] = (v % 3 == 0) ? STMT_INDICATOR_NULL : STMT_INDICATOR_NONE;
            /* 2021-03-04 05:06:07 plus v * 1.000003 s */
            int64_t us = dt_micros(2021, 3, 4, 5, 6, 7, 0) + (int64_t)v * 1000003LL;
            int64_t secs = us / 1000000, days = secs / 86400, rem = secs % 86400;
            /* civil_from_days */
            int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
            unsigned doe = (unsigned)(z - era * 146097);
            unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
            int64_t y = (int64_t)yoe + era * 400;
            unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            unsigned mp = (5 * doy + 2) / 153;
            unsigned dd = doy - (153 * mp + 2) / 5 + 1;
            unsigned mm = mp < 10 ? mp + 3 : mp - 9;
            memset(&dt[i], 0, sizeof dt[i]);
            dt[i].year = (unsigned)(y + (mm <= 2)); dt[i].month = mm; dt[i].day = dd;
            dt[i].hour = rem / 3600; dt[i].minute = rem % 3600 / 60; dt[i].second = rem % 60;
            dt[i].second_part = us % 1000000;
            dt[i].time_type = MYSQL_TIMESTAMP_DATETIME;
            dt_ptr[i] = &dt[i];
        }
        MYSQL_STMT *st = mysql_stmt_init(m);
        if (mysql_stmt_prepare(st, INSERT_SQL, strlen(INSERT_SQL))) die("prepare", mysql_stmt_error(st));
        struct meter t = meter_start();
        for (int start = 0; start < BIG_ROWS; start += INSERT_CHUNK) {
            unsigned int size = BIG_ROWS - start < INSERT_CHUNK ? BIG_ROWS - start : INSERT_CHUNK;
            MYSQL_BIND p[8];
            memset(p, 0, sizeof p);
            p[0].buffer_type = MYSQL_TYPE_LONG; p[0].buffer = id + start;
            p[1].buffer_type = MYSQL_TYPE_LONGLONG; p[1].buffer = b + start;
            p[2].buffer_type = MYSQL_TYPE_STRING; p[2].buffer = s_ptr + start; p[2].length = s_len + start;
            p[3].buffer_type = MYSQL_TYPE_DOUBLE; p[3].buffer = d + start;
            p[4].buffer_type = MYSQL_TYPE_DATETIME; p[4].buffer = dt_ptr + start; /* variable-size type: pointers */
            p[5].buffer_type = MYSQL_TYPE_STRING; p[5].buffer = dc_ptr + start; p[5].length = dc_len + start;
            p[6].buffer_type = MYSQL_TYPE_STRING; p[6].buffer = t_ptr + start; p[6].length = t_len + start;
            p[7].buffer_type = MYSQL_TYPE_LONG; p[7].buffer = n + start; p[7].u.indicator = n_ind + start;
            if (mysql_stmt_attr_set(st, STMT_ATTR_ARRAY_SIZE, &size)) die("attr", mysql_stmt_error(st));
            if (mysql_stmt_bind_param(st, p)) die("bind", mysql_stmt_error(st));
            if (mysql_stmt_execute(st)) die("execute", mysql_stmt_error(st));
        }
        if (mysql_real_query(m, INSERT_CHECK_SQL, strlen(INSERT_CHECK_SQL))) die("check", mysql_error(m));
        MYSQL_RES *res = mysql_store_result(m);
        MYSQL_ROW r = mysql_fetch_row(res);
        int64_t k[5];
        for (int i = 0; i < 5; i++) k[i] = r[i] ? strtoll(r[i], NULL, 10) : 0;
        mysql_free_result(res);
        meter_finish(t, w, BIG_ROWS, insert_check(k), -1);
    } else if (!strcmp(w, "concurrent")) {
        for (int i = 0; i < CONNS; i++) {
            pthread_mutex_init(&slots[i].lock, NULL);
            slots[i].m = connect_db();
            bind_big(&slots[i].q, slots[i].m, POINT_SQL, 1);
        }
        static struct task tasks[TASKS];
        pthread_t th[TASKS];
        struct meter t = meter_start();
        for (int i = 0; i < TASKS; i++) {
            tasks[i].t = i; tasks[i].sum = 0;
            pthread_create(&th[i], NULL, task_main, &tasks[i]);
        }
        for (int i = 0; i < TASKS; i++) {
            pthread_join(th[i], NULL);
            sum += tasks[i].sum;
        }
        meter_finish(t, w, POINT_N, sum, -1);
    } else if (!strcmp(w, "idle")) {
        long before = rss_now_kb();
        struct meter t = meter_start();
        static MYSQL *conns[IDLE_CONNS];
        for (int i = 0; i < IDLE_CONNS; i++) conns[i] = connect_db();
        double per = (double)(rss_now_kb() - before) / IDLE_CONNS;
        (void)conns;
        meter_finish(t, w, IDLE_CONNS, 0, per);
    } else {
        die("workload", w);
    }
    return 0;
}
