/*
 * zhibu-genroster — deterministic synthetic Party-branch rosters.
 *
 *   zhibu-genroster OUTDIR [--townships N] [--branches N] [--members N] [--seed S]
 *
 * Writes OUTDIR/orgs.csv and OUTDIR/members.csv (UTF-8, header row).  For
 * every argument set it accepts, the output is byte-identical to the
 * reference generator gen_roster.py run under CPython 3.11: that script
 * defined the test data first, and the project carries this C port so that
 * a clone needs neither Python nor the reference script.
 *
 * Byte identity means reproducing exactly the parts of CPython's `random`
 * module that the script uses (Modules/_randommodule.c and Lib/random.py of
 * 3.11): MT19937 seeded by init_by_array over the seed's absolute value in
 * 32-bit words, random() with 53-bit resolution, getrandbits(k <= 32),
 * rejection-sampled _randbelow, choice, and choices with integer weights.
 * It also means following the script's control flow call for call: every
 * draw that is made or skipped there is made or skipped here, in the same
 * order.  The comments below name the Python line each piece mirrors.
 *
 * Differences from the script, all on inputs where the script itself fails
 * or misbehaves: --townships and --branches must be >= 1 (the script
 * divides by zero once a member needs a branch), --members must be >= 0,
 * and counts have upper bounds (see ZB_GR_MAX_*) so that output sizes stay
 * sane and the (birth date, sequence number) space, which the script would
 * spin on forever once a birth date is full, is never exhausted in practice.
 * Integer arguments accept what Python's int() accepts in ASCII: surrounding
 * whitespace, a sign, and single underscores between digits.
 *
 * Exit status: 0 success (nothing on stdout), 1 I/O error (path named on
 * stderr), 2 bad arguments (one line on stderr).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#define ZB_GR_MAX_TOWNSHIPS 999
#define ZB_GR_MAX_BRANCHES 999
#define ZB_GR_MAX_MEMBERS 10000000L
/* CPython 3.11 refuses int() of more than 4300 decimal digits
 * (sys.int_info.default_max_str_digits); the script's seed inherits that. */
#define ZB_GR_MAX_SEED_DIGITS 4300

/* ------------------------------------------------------------------------ */
/* MT19937 exactly as CPython's Modules/_randommodule.c.                    */

#define MT_N 624
#define MT_M 397

struct mt {
    uint32_t state[MT_N];
    int index;
};

static void mt_init_genrand(struct mt *r, uint32_t s)
{
    r->state[0] = s;
    for (int i = 1; i < MT_N; i++)
        r->state[i] = 1812433253U * (r->state[i - 1] ^ (r->state[i - 1] >> 30)) + (uint32_t)i;
    r->index = MT_N;
}

static void mt_init_by_array(struct mt *r, const uint32_t *key, size_t key_length)
{
    uint32_t *mt = r->state;
    size_t i = 1, j = 0;

    mt_init_genrand(r, 19650218U);
    for (size_t k = MT_N > key_length ? MT_N : key_length; k; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525U)) + key[j] + (uint32_t)j;
        i++;
        j++;
        if (i >= MT_N) {
            mt[0] = mt[MT_N - 1];
            i = 1;
        }
        if (j >= key_length)
            j = 0;
    }
    for (size_t k = MT_N - 1; k; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941U)) - (uint32_t)i;
        i++;
        if (i >= MT_N) {
            mt[0] = mt[MT_N - 1];
            i = 1;
        }
    }
    mt[0] = 0x80000000U;
}

static uint32_t mt_genrand_uint32(struct mt *r)
{
    static const uint32_t mag01[2] = {0x0U, 0x9908b0dfU};
    uint32_t *mt = r->state;
    uint32_t y;

    if (r->index >= MT_N) {
        int kk;
        for (kk = 0; kk < MT_N - MT_M; kk++) {
            y = (mt[kk] & 0x80000000U) | (mt[kk + 1] & 0x7fffffffU);
            mt[kk] = mt[kk + MT_M] ^ (y >> 1) ^ mag01[y & 0x1U];
        }
        for (; kk < MT_N - 1; kk++) {
            y = (mt[kk] & 0x80000000U) | (mt[kk + 1] & 0x7fffffffU);
            mt[kk] = mt[kk + (MT_M - MT_N)] ^ (y >> 1) ^ mag01[y & 0x1U];
        }
        y = (mt[MT_N - 1] & 0x80000000U) | (mt[0] & 0x7fffffffU);
        mt[MT_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ mag01[y & 0x1U];
        r->index = 0;
    }
    y = mt[r->index++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= (y >> 18);
    return y;
}

/* random.random(): genrand_res53. */
static double py_random(struct mt *r)
{
    uint32_t a = mt_genrand_uint32(r) >> 5, b = mt_genrand_uint32(r) >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

/* random.getrandbits(k) for 0 <= k <= 32; k == 0 draws nothing. */
static uint32_t py_getrandbits(struct mt *r, int k)
{
    if (k == 0)
        return 0;
    return mt_genrand_uint32(r) >> (32 - k);
}

/* Random._randbelow_with_getrandbits(n), n >= 1: k = n.bit_length(), not
 * (n-1).bit_length(), so a power of two wastes half its draws — that waste
 * is part of the sequence and must be kept. */
static uint32_t py_randbelow(struct mt *r, uint32_t n)
{
    int k = 0;
    for (uint32_t v = n; v; v >>= 1)
        k++;
    uint32_t x = py_getrandbits(r, k);
    while (x >= n)
        x = py_getrandbits(r, k);
    return x;
}

/* Random.choices(population, weights)[0]: cumulative integer weights,
 * bisect_right(cum, random() * total, 0, n - 1).  The weights are small
 * integers, so comparing them as doubles is exact, as in Python. */
struct weighted {
    const char *value;
    int weight;
};

static const char *py_pick(struct mt *r, const struct weighted *w, size_t n)
{
    int cum[16];
    int total = 0;
    for (size_t i = 0; i < n; i++) {
        total += w[i].weight;
        cum[i] = total;
    }
    double x = py_random(r) * (double)total;
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (x < (double)cum[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return w[lo].value;
}

/* ------------------------------------------------------------------------ */
/* The script's constants.                                                  */

static const char COUNTY_CODE[] = "430121";
static const char COUNTY_NAME[] = "长沙县委员会";
/* Python strings: choice() picks one code point; see split_code_points. */
static const char SURNAMES[] =
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤";
static const char GIVEN[] =
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅玉兰志强海燕文博思远晓东春生"
    "建华丽萍振华德明淑珍宏伟子轩雨涵浩然欣怡";
static const char PHONE2[] = "3456789";
static const char DIGITS[] = "0123456789";

static const struct weighted ETHNIC[] = {
    {"汉族", 90}, {"土家族", 4}, {"苗族", 3}, {"回族", 1}, {"壮族", 1}, {"瑶族", 1},
};
static const struct weighted EDU[] = {
    {"研究生", 6}, {"大学本科", 30}, {"大学专科", 24}, {"中等专科", 10}, {"高中", 14}, {"初中及以下", 16},
};
static const struct weighted JOBS[] = {
    {"农牧渔民", 30}, {"工人", 10}, {"企事业单位专业技术人员", 14}, {"企事业单位管理人员", 8},
    {"党政机关工作人员", 8}, {"学生", 3}, {"离退休人员", 20}, {"其他职业人员", 7},
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
static const char JOB_RETIRED[] = "离退休人员";
static const char JOB_STUDENT[] = "学生";
static const char JOB_OTHER[] = "其他职业人员";

static const char *const TOWNS[] = {
    "星沙", "榔梨", "黄花", "黄兴", "江背", "安沙", "北山", "福临",
    "青山铺", "路口", "高桥", "金井", "果园", "春华", "开慧", "湘龙",
};
static const char *const BRANCH_KIND[] = {
    "村党支部", "社区党支部", "机关党支部", "学校党支部", "企业党支部",
};

/* A UTF-8 string cut into code points, each a NUL-terminated copy. */
struct cps {
    char (*cp)[5];
    uint32_t n;
};

/* The constants above are valid UTF-8 written by us, so the lead byte alone
 * gives each sequence's length. */
static int split_code_points(const char *s, struct cps *out)
{
    size_t len = strlen(s);
    out->cp = calloc(len ? len : 1, sizeof *out->cp);
    if (!out->cp)
        return -1;
    out->n = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t l = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (i + l > len)
            l = len - i;
        memcpy(out->cp[out->n], s + i, l);
        out->cp[out->n][l] = '\0';
        out->n++;
        i += l;
    }
    return 0;
}

/* random.choice(seq) over a code-point sequence. */
static const char *py_choice(struct mt *r, const struct cps *seq)
{
    return seq->cp[py_randbelow(r, seq->n)];
}

/* ------------------------------------------------------------------------ */
/* Proleptic Gregorian dates, as Python's datetime.date.                    */

struct date {
    int y, m, d;
};

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 (H. Hinnant's days_from_civil). */
static long date_to_days(struct date dt)
{
    long y = dt.y - (dt.m <= 2);
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (dt.m + (dt.m > 2 ? -3 : 9)) + 2) / 5 + dt.d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static struct date days_to_date(long z)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    struct date dt;
    dt.d = (int)(doy - (153 * mp + 2) / 5 + 1);
    dt.m = (int)(mp < 10 ? mp + 3 : mp - 9);
    dt.y = (int)(yoe + era * 400 + (dt.m <= 2));
    return dt;
}

/* add_years(): d.replace(year=...), falling back to the 28th for 29 Feb. */
static struct date add_years(struct date dt, int n)
{
    dt.y += n;
    if (dt.m == 2 && dt.d == 29 && !is_leap(dt.y))
        dt.d = 28;
    return dt;
}

/* day(rng, lo, hi): lo + randrange((hi - lo).days + 1) days; hi >= lo. */
static long py_day(struct mt *r, long lo, long hi)
{
    return lo + (long)py_randbelow(r, (uint32_t)(hi - lo + 1));
}

static void iso_date(char buf[16], struct date dt)
{
    /* Dates here lie in 1940..2026; the casts tell the compiler the fields
     * fit, so the output provably fits too. */
    snprintf(buf, 16, "%04u-%02u-%02u", (unsigned)dt.y % 10000u, (unsigned)dt.m % 100u,
             (unsigned)dt.d % 100u);
}

/* ------------------------------------------------------------------------ */
/* csv.writer(f, lineterminator="\n") with the default excel dialect:
 * QUOTE_MINIMAL quotes a field holding the delimiter, the quote character
 * or a character of the line terminator; quotes inside are doubled.  In
 * 3.11 a lone "\r" does not trigger quoting.  A row made of one empty field
 * is written as "" so that it reads back as a row. */

static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, f);
        return;
    }
    putc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            putc('"', f);
        putc(*s, f);
    }
    putc('"', f);
}

static void csv_row(FILE *f, const char *const *fields, size_t n)
{
    if (n == 1 && fields[0][0] == '\0') {
        fputs("\"\"\n", f);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (i)
            putc(',', f);
        csv_field(f, fields[i]);
    }
    putc('\n', f);
}

/* ------------------------------------------------------------------------ */
/* Arguments: argparse semantics for what the script declares.              */

struct args {
    const char *outdir;
    long townships, branches, members;
    uint32_t *seed_key; /* |seed| in 32-bit words, least significant first */
    size_t seed_words;
};

static const char USAGE[] =
    "usage: zhibu-genroster OUTDIR [--townships N] [--branches N] [--members N] [--seed S]\n";

static void print_help(void)
{
    fputs(USAGE, stdout);
    fputs("\nDeterministic synthetic Party-branch rosters for tests and benchmarks.\n"
          "Writes OUTDIR/orgs.csv and OUTDIR/members.csv, byte-identical to\n"
          "gen_roster.py under CPython 3.11 for the same arguments.\n\n"
          "options:\n"
          "  -h, --help      show this help message and exit\n"
          "  --townships N   townships under the county (1..999, default 4)\n"
          "  --branches N    branches per township (1..999, default 5)\n"
          "  --members N     members in all (0..10000000, default 1000)\n"
          "  --seed S        random seed, any integer (default 1921)\n",
          stdout);
}

#if defined(__GNUC__)
#define ZB_GR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ZB_GR_PRINTF(f, a)
#endif

/* One line on stderr, then exit status 2, as argparse does. */
ZB_GR_PRINTF(1, 2) static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("zhibu-genroster: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (try --help)\n", stderr);
    return 2;
}

/* Python int(str) in base 10, ASCII only: optional surrounding whitespace,
 * optional sign, digits with single underscores between them.  On success
 * *neg is the sign and digits[] (of size >= strlen(s) + 1) holds the bare
 * digit string. */
static bool parse_pyint(const char *s, bool *neg, char *digits, size_t *ndigits)
{
    static const char ws[] = " \t\n\v\f\r";
    size_t n = 0;

    while (*s && strchr(ws, *s))
        s++;
    *neg = false;
    if (*s == '+' || *s == '-')
        *neg = *s++ == '-';
    if (!(*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            digits[n++] = *s;
        } else if (*s == '_' && s[1] >= '0' && s[1] <= '9' && n > 0) {
            continue;
        } else {
            break;
        }
    }
    while (*s && strchr(ws, *s))
        s++;
    if (*s)
        return false;
    digits[n] = '\0';
    *ndigits = n;
    return n <= ZB_GR_MAX_SEED_DIGITS;
}

static int parse_count(const char *opt, const char *val, long lo, long hi, long *out)
{
    size_t len = strlen(val);
    char *digits = malloc(len + 1);
    bool neg;
    size_t n;
    int rc = 2;

    if (!digits) {
        fprintf(stderr, "zhibu-genroster: out of memory\n");
        return 1;
    }
    if (!parse_pyint(val, &neg, digits, &n)) {
        rc = usage_error("%s: not an integer: '%s'", opt, val);
        goto out;
    }
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        v = v * 10 + (digits[i] - '0');
        if (v > hi) { /* out of range already; stop before overflow */
            v = hi + 1;
            break;
        }
    }
    if (neg)
        v = -v;
    if (v < lo || v > hi) {
        usage_error("%s: '%s' is out of range %ld..%ld", opt, val, lo, hi);
        goto out;
    }
    *out = v;
    rc = 0;
out:
    free(digits);
    return rc;
}

/* random_seed() in _randommodule.c: n = abs(seed), split into 32-bit words
 * from the least significant end; zero is one word 0. */
static int parse_seed(const char *val, struct args *a)
{
    size_t len = strlen(val);
    char *digits = malloc(len + 1);
    uint32_t *words = calloc(len / 9 + 2, sizeof *words);
    size_t nw = 1;
    bool neg;
    size_t n;
    int rc = 2;

    if (!digits || !words) {
        fprintf(stderr, "zhibu-genroster: out of memory\n");
        rc = 1;
        goto out;
    }
    if (!parse_pyint(val, &neg, digits, &n)) {
        rc = usage_error("--seed: not an integer of at most 4300 digits: '%s'", val);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t carry = (uint64_t)(digits[i] - '0');
        for (size_t w = 0; w < nw; w++) {
            uint64_t t = (uint64_t)words[w] * 10 + carry;
            words[w] = (uint32_t)t;
            carry = t >> 32;
        }
        if (carry)
            words[nw++] = (uint32_t)carry;
    }
    while (nw > 1 && words[nw - 1] == 0)
        nw--;
    free(a->seed_key);
    a->seed_key = words;
    a->seed_words = nw;
    words = NULL;
    rc = 0;
out:
    free(digits);
    free(words);
    return rc;
}

/* argparse's test for "-5": such a string is a value, not an option, since
 * the parser declares no option that looks like a negative number. */
static bool looks_negative_number(const char *s)
{
    if (s[0] != '-')
        return false;
    const char *p = s + 1;
    if (*p >= '0' && *p <= '9') {
        while (*p >= '0' && *p <= '9')
            p++;
        return *p == '\0';
    }
    if (*p == '.') { /* -.5: a value, which int() then rejects */
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
        return *p == '\0';
    }
    return false;
}

static bool is_option(const char *s)
{
    return s[0] == '-' && s[1] != '\0' && !looks_negative_number(s);
}

/* Returns -1 to go on, or the exit status (0 after --help). */
static int parse_args(int argc, char **argv, struct args *a)
{
    static const char *const longs[] = {"--help", "--townships", "--branches", "--members", "--seed"};
    bool only_positional = false;
    int rc;

    a->outdir = NULL;
    a->townships = 4;
    a->branches = 5;
    a->members = 1000;
    if ((rc = parse_seed("1921", a)) != 0)
        return rc;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (only_positional || !is_option(arg)) {
            if (a->outdir)
                return usage_error("unrecognized argument: '%s'", arg);
            a->outdir = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_positional = true;
            continue;
        }
        if (strcmp(arg, "-h") == 0) {
            print_help();
            return 0;
        }
        if (arg[1] != '-')
            return usage_error("unrecognized argument: '%s'", arg);

        /* --name or --name=value; argparse accepts any unambiguous prefix,
         * and the five long options all differ in their first letter. */
        const char *eq = strchr(arg, '=');
        size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
        int which = -1;
        for (size_t k = 0; k < NELEM(longs); k++) {
            if (nlen > 2 && nlen <= strlen(longs[k]) && strncmp(arg, longs[k], nlen) == 0)
                which = (int)k;
        }
        if (which < 0)
            return usage_error("unrecognized argument: '%s'", arg);
        const char *opt = longs[which];
        if (which == 0) {
            if (eq)
                return usage_error("%s takes no value", opt);
            print_help();
            return 0;
        }
        const char *val;
        if (eq) {
            val = eq + 1;
        } else {
            if (i + 1 >= argc || is_option(argv[i + 1]))
                return usage_error("%s: expected one value", opt);
            val = argv[++i];
        }
        switch (which) {
        case 1:
            rc = parse_count(opt, val, 1, ZB_GR_MAX_TOWNSHIPS, &a->townships);
            break;
        case 2:
            rc = parse_count(opt, val, 1, ZB_GR_MAX_BRANCHES, &a->branches);
            break;
        case 3:
            rc = parse_count(opt, val, 0, ZB_GR_MAX_MEMBERS, &a->members);
            break;
        default:
            rc = parse_seed(val, a);
            break;
        }
        if (rc != 0)
            return rc;
    }
    if (!a->outdir)
        return usage_error("missing OUTDIR");
    if (a->outdir[0] == '\0')
        return usage_error("OUTDIR is empty");
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Output.                                                                  */

/* os.makedirs(outdir, exist_ok=True): create missing parents; an existing
 * directory is fine, anything else in the way is an error. */
static int make_dirs(const char *path)
{
    size_t len = strlen(path);
    char *p = malloc(len + 1);
    struct stat st;
    int rc = 1;

    if (!p) {
        fprintf(stderr, "zhibu-genroster: out of memory\n");
        return 1;
    }
    memcpy(p, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        if (p[i - 1] == '/')
            continue;
        char saved = p[i];
        p[i] = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "zhibu-genroster: %s: %s\n", p, strerror(errno));
            goto out;
        }
        p[i] = saved;
    }
    if (stat(path, &st) != 0) {
        fprintf(stderr, "zhibu-genroster: %s: %s\n", path, strerror(errno));
        goto out;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "zhibu-genroster: %s: exists and is not a directory\n", path);
        goto out;
    }
    rc = 0;
out:
    free(p);
    return rc;
}

static FILE *open_out(const char *dir, const char *name, char **path_out)
{
    size_t len = strlen(dir) + 1 + strlen(name) + 1;
    char *path = malloc(len);
    FILE *f = NULL;

    *path_out = path;
    if (!path) {
        fprintf(stderr, "zhibu-genroster: out of memory\n");
        return NULL;
    }
    snprintf(path, len, "%s/%s", dir, name);
    f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "zhibu-genroster: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    /* A big buffer: members.csv runs to hundreds of megabytes. */
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    return f;
}

static int close_out(FILE *f, const char *path)
{
    int err = ferror(f) ? (errno ? errno : EIO) : 0;
    if (fclose(f) != 0 && !err)
        err = errno ? errno : EIO;
    if (err) {
        fprintf(stderr, "zhibu-genroster: %s: %s\n", path, strerror(err));
        return 1;
    }
    return 0;
}

/* Codes like "430121-03-07"; generously sized so that no bound on the
 * counts is needed to see that snprintf never truncates. */
#define CODE_LEN 64

static void township_code(char buf[CODE_LEN], long t)
{
    snprintf(buf, CODE_LEN, "%s-%02ld", COUNTY_CODE, t);
}

/* The script's branches list, in order: township-major, both from 1. */
static void branch_code(char buf[CODE_LEN], long t, long b)
{
    snprintf(buf, CODE_LEN, "%s-%02ld-%02ld", COUNTY_CODE, t, b);
}

static int write_orgs(const struct args *a)
{
    static const char *const header[] = {"code", "name", "type", "parent_code"};
    char *path = NULL;
    FILE *f = open_out(a->outdir, "orgs.csv", &path);
    int rc = 1;

    if (!f)
        goto out;
    csv_row(f, header, 4);
    csv_row(f, (const char *const[]){COUNTY_CODE, COUNTY_NAME, "committee", ""}, 4);
    for (long t = 1; t <= a->townships; t++) {
        char tcode[CODE_LEN], tname[96], num[24];
        long ntowns = (long)NELEM(TOWNS);
        township_code(tcode, t);
        /* TOWNS[(t-1) % len] + ("镇" if t <= len else f"{t}镇") + "党委" */
        if (t <= ntowns)
            num[0] = '\0';
        else
            snprintf(num, sizeof num, "%ld", t);
        snprintf(tname, sizeof tname, "%s%s镇党委", TOWNS[(t - 1) % ntowns], num);
        csv_row(f, (const char *const[]){tcode, tname, "committee", COUNTY_CODE}, 4);
        for (long b = 1; b <= a->branches; b++) {
            char bcode[CODE_LEN], bname[96];
            branch_code(bcode, t, b);
            snprintf(bname, sizeof bname, "第%ld%s", b,
                     BRANCH_KIND[(t + b) % (long)NELEM(BRANCH_KIND)]);
            csv_row(f, (const char *const[]){bcode, bname, "branch", tcode}, 4);
        }
    }
    rc = close_out(f, path);
    f = NULL;
out:
    if (f)
        fclose(f);
    free(path);
    return rc;
}

/* GB 11643-1999 §6: ISO 7064 MOD 11-2 check character of the first 17
 * digits of a resident identity number. */
static char check_digit(const char *first17)
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int s = 0;
    for (int i = 0; i < 17; i++)
        s += (first17[i] - '0') * w[i];
    return "10X98765432"[s % 11];
}

struct names {
    struct cps surnames, given, phone2, digits;
};

static int write_members(const struct args *a, struct mt *r, const struct names *nm)
{
    static const char *const header[] = {
        "id", "name", "gender", "ethnicity", "birth_date", "id_number", "education",
        "category", "join_date", "full_date", "org_code", "phone", "occupation",
    };
    static const char MALE[] = "男", FEMALE[] = "女";
    const struct date today = {2026, 11, 1};
    const long today_d = date_to_days(today);
    const long birth_lo = date_to_days((struct date){1940, 1, 1});
    const long birth_hi = date_to_days((struct date){2007, 6, 30});
    const long join_floor = date_to_days((struct date){1960, 1, 1});
    const size_t ndays = (size_t)(birth_hi - birth_lo + 1);
    /* seq_used: the set of (birth, n) keys, as a bitmap indexed by
     * day * 1000 + n, which is a perfect hash over the fixed birth range. */
    uint8_t *used = calloc((ndays * 1000 + 7) / 8, 1);
    /* Keys taken per (day, parity): a full day would make the script loop
     * forever, so it is refused here (500 odd numbers, 499 even). */
    uint16_t *taken = calloc(ndays * 2, sizeof *taken);
    char *path = NULL;
    FILE *f = NULL;
    int rc = 1;

    if (!used || !taken) {
        fprintf(stderr, "zhibu-genroster: out of memory\n");
        goto out;
    }
    f = open_out(a->outdir, "members.csv", &path);
    if (!f)
        goto out;
    csv_row(f, header, NELEM(header));

    for (long i = 1; i <= a->members; i++) {
        bool male = py_random(r) < 0.7;
        long bday = py_day(r, birth_lo, birth_hi);
        struct date birth = days_to_date(bday);
        size_t di = (size_t)(bday - birth_lo);
        uint32_t n;

        if (taken[di * 2 + male] >= (male ? 500 : 499)) {
            fprintf(stderr, "zhibu-genroster: no sequence number left for birth date "
                            "%04d-%02d-%02d; use fewer members\n", birth.y, birth.m, birth.d);
            goto out;
        }
        for (;;) { /* unique area+birth+sequence */
            n = 1 + py_randbelow(r, 999); /* randrange(1, 1000) */
            if ((n % 2 == 1) != male)
                n = n % 999 + 1;
            size_t key = di * 1000 + n;
            bool in_set = used[key / 8] & (1u << (key % 8));
            if (!in_set && (n % 2 == 1) == male) {
                used[key / 8] |= (uint8_t)(1u << (key % 8));
                taken[di * 2 + male]++;
                break;
            }
        }
        char idn[19];
        snprintf(idn, sizeof idn, "%s%04d%02d%02d%03u", COUNTY_CODE, birth.y, birth.m, birth.d, n);
        idn[17] = check_digit(idn);
        idn[18] = '\0';

        long adult = date_to_days(add_years(birth, 18));
        long lo = adult > join_floor ? adult : join_floor;
        long join_d = lo < today_d ? py_day(r, lo, today_d) : today_d;
        struct date join = days_to_date(join_d);
        struct date full = add_years(join, 1);
        bool probationary = date_to_days(full) > today_d;

        /* rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in
         * range(rng.choice((1, 2)))): the genexpr's range() argument is
         * evaluated when the genexpr is built, after the surname. */
        char name[32];
        size_t nl = 0;
        const char *sur = py_choice(r, &nm->surnames);
        size_t l = strlen(sur);
        memcpy(name + nl, sur, l);
        nl += l;
        uint32_t ngiven = 1 + py_randbelow(r, 2);
        for (uint32_t g = 0; g < ngiven; g++) {
            const char *gv = py_choice(r, &nm->given);
            l = strlen(gv);
            memcpy(name + nl, gv, l);
            nl += l;
        }
        name[nl] = '\0';

        char phone[12];
        phone[0] = '1';
        phone[1] = py_choice(r, &nm->phone2)[0];
        for (int k = 0; k < 9; k++)
            phone[2 + k] = py_choice(r, &nm->digits)[0];
        phone[11] = '\0';

        const char *job = py_pick(r, JOBS, NELEM(JOBS));
        if (date_to_days(add_years(birth, 55)) > today_d) { /* too young to have retired */
            while (strcmp(job, JOB_RETIRED) == 0)
                job = py_pick(r, JOBS, NELEM(JOBS));
        } else if (date_to_days(add_years(birth, 60)) < today_d && py_random(r) < 0.6) {
            job = JOB_RETIRED;
        }
        if (date_to_days(add_years(birth, 26)) < today_d && strcmp(job, JOB_STUDENT) == 0)
            job = JOB_OTHER;

        /* The row list is evaluated left to right: ethnicity before education. */
        char id[24], bs[16], js[16], fs[16], org[CODE_LEN];
        long bi = (i - 1) % (a->townships * a->branches); /* branches[(i-1) % len] */
        branch_code(org, bi / a->branches + 1, bi % a->branches + 1);
        snprintf(id, sizeof id, "M%010ld", i);
        const char *eth = py_pick(r, ETHNIC, NELEM(ETHNIC));
        iso_date(bs, birth);
        const char *edu = py_pick(r, EDU, NELEM(EDU));
        iso_date(js, join);
        if (probationary)
            fs[0] = '\0';
        else
            iso_date(fs, full);
        const char *row[13] = {
            id, name, male ? MALE : FEMALE, eth, bs, idn, edu,
            probationary ? "预备党员" : "正式党员", js, fs,
            org, phone, job,
        };
        csv_row(f, row, 13);
        /* Stop early on a write error (disk full) rather than generate
         * millions of rows into a dead stream; close_out reports it. */
        if ((i & 0xFFFF) == 0 && ferror(f))
            break;
    }
    rc = close_out(f, path);
    f = NULL;
out:
    if (f)
        fclose(f);
    free(path);
    free(taken);
    free(used);
    return rc;
}

int main(int argc, char **argv)
{
    struct args a = {0};
    struct names nm = {0};
    struct mt r;
    int rc = parse_args(argc, argv, &a);

    if (rc >= 0)
        goto out;
    rc = 1;
    if (split_code_points(SURNAMES, &nm.surnames) || split_code_points(GIVEN, &nm.given) ||
        split_code_points(PHONE2, &nm.phone2) || split_code_points(DIGITS, &nm.digits)) {
        fprintf(stderr, "zhibu-genroster: out of memory\n");
        goto out;
    }
    mt_init_by_array(&r, a.seed_key, a.seed_words);
    if ((rc = make_dirs(a.outdir)) != 0)
        goto out;
    if ((rc = write_orgs(&a)) != 0)
        goto out;
    rc = write_members(&a, &r, &nm);
out:
    free(nm.digits.cp);
    free(nm.phone2.cp);
    free(nm.given.cp);
    free(nm.surnames.cp);
    free(a.seed_key);
    return rc;
}
