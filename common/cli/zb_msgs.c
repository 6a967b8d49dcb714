/*
 * zb_msgs.c — the message catalogue (zb_msg.h): every sentence the two
 * programs say to people, as {key, Chinese, English}.  Keys are stable
 * names; printf placeholders must be the same, in the same order, in both
 * languages (tests/unit/test_msg.c checks it).  Texts printed as they are
 * (help) are read for placeholders all the same: write "per cent" and
 * 百分之, never a bare percent sign.  A new command adds its
 * entries here: "PROG.WORDS" for its summary and "PROG.WORDS.help" for its
 * --help text (docs/DESIGN-NOTES.md, "Language").
 */
#include "zb_msg.h"

const zb_msg_entry zb_msgs[] = {
    /* ---- the dispatcher (zb_cli.c, zb_args.c) and error codes (zb_err.h) ---- */
    {"cli.usage",
     "用法：%s 命令 [选项]\n"
     "%s\n"
     "命令：\n",
     "usage: %s COMMAND [options]\n"
     "%s\n"
     "commands:\n"},
    {"cli.usage_tail",
     "  --help         某条命令的帮助：%s %s --help\n"
     "  --version      程序的版本\n"
     "  --lang zh|en   界面语言：中文（默认）或英文；不写时，LC_ALL、LC_MESSAGES、LANG\n"
     "                 中第一个有值的以 en 开头则用英文\n"
     "\n"
     "退出码：0 成功，2 用法错误，3 输入有误（什么都没有写入），4 找不到，\n"
     "5 同步失败（稍后重试），6 超出范围或被服务器拒绝，1 其他错误。\n",
     "  --help         help for a command: %s %s --help\n"
     "  --version      the program's version\n"
     "  --lang zh|en   language: Chinese (the default) or English; without it,\n"
     "                 English when LC_ALL, LC_MESSAGES or LANG (the first set)\n"
     "                 starts with en\n"
     "\n"
     "exit status: 0 ok, 2 usage, 3 invalid input (nothing written),\n"
     "4 not found, 5 sync failed (retry later), 6 refused by scope or server,\n"
     "1 other errors.\n"},
    {"cli.usage_head",
     "用法：",
     "usage:"},
    {"cli.usage_fields",
     " --字段 值 …",
     " --FIELD VALUE …"},
    {"cli.full_stop",
     "。",
     "."},
    {"cli.see_help",
     "%s（见 %s --help）",
     "%s (see %s --help)"},
    {"cli.bad_lang",
     "--lang：“%s”既不是 zh（中文）也不是 en（English）",
     "--lang: \"%s\" is neither zh (中文) nor en (English)"},
    {"cli.one_of",
     "%s %s：有以下命令（%s %s 命令 --help 查看某一条的帮助）：\n",
     "%s %s: one of these commands (%s %s COMMAND --help for one):\n"},
    {"cli.unknown_sub",
     "没有“%s %s”这条命令；%s 的命令有：",
     "unknown command \"%s %s\"; the %s commands are:"},
    {"cli.unknown_command",
     "没有“%s%s%s”这条命令（见 %s --help）",
     "unknown command \"%s%s%s\" (see %s --help)"},
    {"cli.operands",
     "%s 需要参数：%s（见 %s %s --help）",
     "%s takes %s (see %s %s --help)"},
    {"cli.no_operands",
     "%s 不需要其他参数（见 %s %s --help）",
     "%s takes no further arguments (see %s %s --help)"},
    {"cli.bad_option",
     "%s: %s（见 %s %s --help）",
     "%s: %s (see %s %s --help)"},
    {"args.too_many",
     "参数太多",
     "too many arguments"},
    {"args.unknown_spelled",
     "没有 %s 这个选项（选项写作 --名称）",
     "unknown option %s (options are spelled --name)"},
    {"args.unknown",
     "没有 --%.*s 这个选项",
     "unknown option --%.*s"},
    {"args.needs_value",
     "选项 --%s 后面需要一个值",
     "option --%s needs a value"},
    {"args.no_value",
     "选项 --%s 不带值",
     "option --%s takes no value"},
    {"args.too_many_opts",
     "选项太多",
     "too many options"},
    {"args.not_here",
     "选项 --%s 不适用于这条命令",
     "option --%s does not apply to this command"},
    {"FILE",
     "文件",
     "FILE"},
    {"FILE.csv",
     "文件.csv",
     "FILE.csv"},
    {"KEY",
     "编号",
     "KEY"},
    {"MEMBER",
     "党员编号",
     "MEMBER"},
    {"ID",
     "编号",
     "ID"},
    {"TEXT",
     "文字",
     "TEXT"},
    {"ZB_EINVAL",
     "输入有误",
     "invalid input"},
    {"ZB_ENOMEM",
     "内存不足",
     "out of memory"},
    {"ZB_EIO",
     "读写出错",
     "input/output error"},
    {"ZB_ENOTFOUND",
     "找不到",
     "not found"},
    {"ZB_EEXIST",
     "已经存在",
     "already exists"},
    {"ZB_EUSAGE",
     "用法错误",
     "usage error"},
    {"ZB_ESCOPE",
     "超出本机范围",
     "outside this node's scope"},
    {"ZB_EDB",
     "数据库出错",
     "database error"},
    {"ZB_ECORRUPT",
     "保存的数据未通过校验",
     "stored data failed verification"},
    {"ZB_ETOOBIG",
     "值太大",
     "value too large"},
    {"ZB_ENOTINIT",
     "数据目录还没有初始化",
     "data directory is not initialised"},
    {"ZB_ECRYPTO",
     "加密库出错",
     "cryptographic library error"},
    {"ZB_EUNREACH",
     "连不上服务器或同步没有完成",
     "could not reach or finish a sync"},
    {"ZB_EREFUSED",
     "被服务器拒绝",
     "refused by the server"},
    {"ZB_EPROTO",
     "通信协议出错",
     "protocol error"},
    {"ZB_EBUSY",
     "资源被占用",
     "resource busy"},
    {"ZB_EMAPFULL",
     "数据库空间已满",
     "database map is full"},

    /* ---- zhibu-node: the program and its own commands (node/main.c) ---- */
    {"node.about",
     "智部支部节点：在本机离线保存党支部的记录（哈希链日志），\n"
     "并与中心服务器同步。\n",
     "Zhibu branch node: keeps a Party branch's records offline in a\n"
     "hash-chained log, and syncs them with the central server.\n"},
    {"node.global",
     "全局选项：\n"
     "  --data 目录    本机的数据目录（或环境变量 ZHIBU_DATA）\n"
     "  --actor 名字   谁在修改（默认为登录名）\n"
     "  --json         读数据的命令输出供程序使用的 JSON\n",
     "global options:\n"
     "  --data DIR     the node's data directory (or ZHIBU_DATA)\n"
     "  --actor NAME   who is making changes (default: the login name)\n"
     "  --json         machine-readable output on commands that read\n"},
    {"node.init",
     "为支部或党委建立本机节点",
     "create a node for a branch or committee"},
    {"node.init.help",
     "建立数据目录和一个节点，保存 --org 及其下属全部组织（本机范围）的记录。\n"
     "用 --enroll 文件（zhibu-server enroll 发的登记文件）时，节点编号、组织和\n"
     "同步服务器都取自该文件。",
     "Creates the data directory and a node that keeps the records of --org and\n"
     "every org below it (its scope).  With --enroll FILE (a bundle from\n"
     "zhibu-server enroll) the node id, org and server come from the bundle."},
    {"node.status",
     "本机、组织、未发送的修改、同步情况",
     "node, org, unsent changes, sync state"},
    {"node.status.help",
     "以中文和本地时间显示：未发送的修改、上次同步成功的时间、上次失败的时间和原因、\n"
     "后台同步的下次尝试。\n"
     "--json（UTC 时间，没有时为 null）的键：node_id org server ops pending_ops acked_seq\n"
     "cursor last_sync last_success last_error last_error_code last_error_reason\n"
     "next_attempt members orgs conflicts rejected revoked restoring。本机证书已被吊销\n"
     "（电脑已被替换）时说明未发送的修改再也发不出去（可用 export-pending 保存）；\n"
     "替换旧电脑、还没有同步过的新电脑，提示先同步。",
     "In words and local time: unsent changes (未发送的修改), the last successful\n"
     "sync, the last failure and its reason, the next attempt of the daemon.\n"
     "--json (UTC, null when none): node_id org server ops pending_ops acked_seq\n"
     "cursor last_sync last_success last_error last_error_code last_error_reason\n"
     "next_attempt members orgs conflicts rejected revoked restoring.  A revoked\n"
     "node (a replaced PC) is told that its unsent changes can never be sent\n"
     "(export-pending saves them); a replacement PC that has not synced yet, to\n"
     "sync first."},
    {"node.log",
     "操作日志（只列字段名，不列内容）",
     "the op log (field names, never values)"},
    {"node.verify",
     "检查哈希链和数据",
     "check the hash chain and the state"},
    {"node.verify.help",
     "检查每条操作的哈希链接，以及保存的记录与按日志重建的结果一致。\n"
     "完好时退出码 0，否则 1。",
     "Checks every op's hash link and that the stored records equal a rebuild\n"
     "from the log.  Exit 0 when intact, 1 when not."},
    {"node.digest",
     "本机范围内全部记录的 SHA-256 摘要",
     "SHA-256 of every record in scope"},
    {"node.export-pending",
     "写出服务器没有收到的修改，交给另一台电脑",
     "write the changes the server never received, for another PC"},
    {"node.export-pending.help",
     "用于已被替换（zhibu-server enroll --replace）、再也不能同步的电脑：把每个被未发送的\n"
     "修改涉及的党员的当前记录写入 文件（不会覆盖已有文件），格式与 member import 读取的\n"
     "相同（UTF-8 BOM、中文列名、不含编号：新电脑按身份证号匹配或新增）。文件装不下的\n"
     "修改（如离开这样的操作、事实、其他类型的记录）在标准错误上列出，需要手工再做一遍。\n"
     "核对文件后在新电脑上运行：zhibu-node member import 文件。",
     "For a PC that was replaced (zhibu-server enroll --replace) and can never\n"
     "sync again: writes the current record of every member an unsent change\n"
     "touched to FILE (never overwritten), as member import reads it (UTF-8 BOM,\n"
     "Chinese column names, no id: the new PC matches each row by its ID number\n"
     "or adds it).  Changes the file cannot carry (an act such as leave, a fact,\n"
     "another kind) are listed on stderr, to be done again by hand.  Review the\n"
     "file, then on the new PC: zhibu-node member import FILE."},
    {"node.sync",
     "与同步服务器同步一次",
     "one sync session with the server"},
    {"node.sync.help",
     "先推送本机新的操作，再拉取与本机范围有关的修改。已同步到最新时退出码 0；\n"
     "连不上服务器或中途断开时 5（再运行一次即可，会从断开处继续）；服务器拒绝时 6\n"
     "（证书已被吊销：这台电脑已被替换，见 export-pending）。替换旧电脑的新电脑\n"
     "（zhibu-server enroll --replace）第一次同步时先从服务器恢复本节点自己的修改\n"
     "（--json：restored）。\n"
     "--server 主机:端口 只这一次代替登记的地址；--timeout 秒数（默认 300）限制整次同步的时间。",
     "Pushes this node's new ops, then pulls what concerns its scope.  Exit 0\n"
     "when caught up, 5 when the server cannot be reached or the session broke\n"
     "(run it again: it resumes where it stopped), 6 when the server refuses\n"
     "(a revoked certificate: this PC was replaced; see export-pending).  The\n"
     "first sync of a replacement PC (zhibu-server enroll --replace) restores\n"
     "the node's own changes from the server first (--json: restored).\n"
     "--server HOST:PORT overrides the enrolled address once; --timeout SECONDS\n"
     "(default 300) bounds the whole session."},
    {"node.daemon",
     "后台同步：修改后不久同步，并定期同步",
     "sync soon after changes, and periodically"},
    {"node.daemon.help",
     "启动时同步一次；网络正常时，本机最后一次修改后 --settle 秒（默认 30）再同步；\n"
     "并每 --interval 秒（默认 7200，上下浮动百分之二十）同步一次以取得别处的修改。失败后\n"
     "隔 5 秒、10 秒、20 秒……重试，最长到该间隔。每次同步写一行日志并写明下一次的时间\n"
     "（在 systemd 下带“<N>”优先级供 journal 使用）；zhibu-node status 显示上次成功、\n"
     "上次失败和下次尝试。收到 SIGTERM 后做完当前这次同步即停止。运行期间，其他命令\n"
     "照常可以使用同一个数据目录。",
     "Syncs at start, then --settle SECONDS (default 30) after the last local\n"
     "change while the link works, and every --interval SECONDS (default 7200,\n"
     "±20 per cent jitter) to fetch others' changes; after a failure it retries after\n"
     "5 s, 10 s, 20 s … up to the interval.  One log line per session and its\n"
     "next one (under systemd with \"<N>\" priorities for the journal); zhibu-node\n"
     "status shows the last success, the last failure and the next attempt.\n"
     "SIGTERM stops it after the current session.  The other commands keep\n"
     "working on the same data directory while it runs."},
    {"node.bundle export",
     "写出给服务器的数据包：不需要网络",
     "write a data parcel (数据包) for the server: no network needed"},
    {"node.bundle export.help",
     "用于没有网络的地方：把服务器还没有的本机操作和本机下次拉取的起点写入 文件，\n"
     "用本机的密钥签名。把它带到有服务器（或其管理员）的地方，由管理员运行\n"
     "zhibu-server bundle import 文件，再运行 zhibu-server bundle export --node 编号 文件2；\n"
     "把 文件2 带回来，运行 zhibu-node bundle import 文件2。写出数据包不改变本机的任何\n"
     "数据；重复导出没有害处。--json 的键：ok command file node_id org from to cursor ops\n"
     "batches bytes error。",
     "For an office with no link: writes FILE with this node's ops the server\n"
     "does not hold yet and where its next pull starts, signed with the node's\n"
     "key.  Carry it to a place with the server (or its operator), who runs\n"
     "zhibu-server bundle import FILE, then zhibu-server bundle export --node ID\n"
     "FILE2; bring FILE2 back and run zhibu-node bundle import FILE2.  Writing it\n"
     "changes nothing here; exporting again is harmless.  --json: ok command file\n"
     "node_id org from to cursor ops batches bytes error."},
    {"node.bundle import",
     "导入服务器发来的数据包",
     "apply a data parcel (数据包) from the server"},
    {"node.bundle import.help",
     "像一次同步那样应用服务器给本机的数据包：服务器已收到的本机操作、本机范围内\n"
     "别处改过的记录、服务器退回的本机操作。以下情况拒绝并且什么都不保存（退出码 6）：\n"
     "不是本系统服务器签名的、被改动过的、给别的节点的、比已导入的更旧的、或起点在\n"
     "本机游标之后的数据包；文件损坏或不完整时退出码 3。同一个数据包导入两次不会\n"
     "改变任何数据。--json 的键：ok command file node_id org parcel from to cursor\n"
     "held_seq ops applied conflicts rejected skipped already bytes error。",
     "Applies the server's parcel for this node as a sync would: what the\n"
     "server holds of this node's ops, the records of its scope changed\n"
     "elsewhere, its ops the server rejected.  Refused, with nothing stored\n"
     "(exit 6): a parcel not signed by this deployment's server, altered, for\n"
     "another node, older than one already imported, or starting after this\n"
     "node's cursor; exit 3 for a damaged or truncated file.  Importing the\n"
     "same parcel twice changes nothing.  --json: ok command file node_id org\n"
     "parcel from to cursor held_seq ops applied conflicts rejected skipped\n"
     "already bytes error."},
    {"node.conflicts",
     "待核对的同时修改",
     "concurrent edits kept for review"},
    {"node.conflicts.help",
     "服务器发现的每一处同时修改：记录、字段、保留的值（以最后写入的为准）、\n"
     "另一个值，以及各自是谁写的。",
     "Each concurrent write the server found: the record, the field, the value\n"
     "kept (last writer wins), the other value, and who wrote each."},
    {"node.rejected",
     "被服务器退回的本机修改",
     "this node's ops the server refused"},
    {"node.rejected.help",
     "列出退回原因。这些修改在本机已经撤销；日志中仍保留着它们。",
     "With the reason.  Their effect has been rolled back here; the log keeps them."},
    {"node.report pipeline",
     "发展党员：各阶段人数和逾期名单",
     "the development pipeline (发展党员): applicants per stage, and who is overdue"},
    {"node.report pipeline.help",
     "统计 --org（默认本机组织）及其下属组织的入党申请人截至今天处于各阶段的人数，\n"
     "并列出逾期的：递交申请后一个月内未谈话、缺少半年一次的考察、支部大会讨论后\n"
     "超过 3 个月未审批（不得超过 6 个月）。--year 年份 只统计该年递交申请的人。\n"
     "服务器的 report pipeline --org 用同样的算法。",
     "Counts the applicants of --org's subtree (default: this node's org) at each stage\n"
     "as of today, and lists the overdue: talks not held within a month of the\n"
     "application, half-yearly assessments missing, approvals past 3 months of the\n"
     "branch meeting (never allowed after 6).  --year Y counts only those who applied\n"
     "in Y.  The server's `report pipeline --org` is the same computation."},
    {"node.report meetings",
     "三会一课：各支部应开与实开的会议",
     "organizational life (三会一课): meetings held against those required, per branch"},
    {"node.report meetings.help",
     "对 --org（默认本机组织）下属的每个支部，统计 --year 年（默认今年）：每种会议\n"
     "实开次数与规定次数（支部党员大会和党课每季度，支委会、党小组会和主题党日每月，\n"
     "组织生活会和民主评议每年），没有开会的月份或季度（已开始的），出席率（已记录\n"
     "出席情况中的实到比例），以及不足法定人数的会议（有表决权的正式党员过半数，\n"
     "支委会为委员过半数）。服务器的 report meetings --org 用同样的算法。",
     "For every branch of --org's subtree (default: this node's org) in --year (default:\n"
     "this year): each meeting type held against the number the rules require (支部党员\n"
     "大会 and 党课 quarterly, 支委会, 党小组会 and 主题党日 monthly, 组织生活会 and 民主评议\n"
     "yearly), the periods with none (months or quarters that have begun), the\n"
     "attendance rate (present of the attendance recorded), and meetings without their\n"
     "quorum (more than half of the full members entitled to vote, of the committee for\n"
     "a 支委会).  The server's `report meetings --org` is the same computation."},
    {"node.report stats",
     "党内统计",
     "member statistics (党内统计)"},
    {"node.report stats.help",
     "--org 组织代码（默认本机组织）--as-of YYYY-MM-DD（默认今天）。\n"
     "截至该日已离开的党员不计入；“减少”按原因统计 --from（默认该年 1 月 1 日）至\n"
     "--to（默认截至日）期间离开的人数；“发展党员”统计这期间入党（join_date）的人数。\n"
     "--csv：--lang zh（默认）时带 UTF-8 BOM 和中文表头（项目,分类,人数），\n"
     "--lang en 时为 --json 的英文键。--xlsx 文件：Excel 工作簿，标题行写明组织名称和日期。",
     "--org CODE (default: this node's org) --as-of YYYY-MM-DD (default: today).\n"
     "Members who left on or before the as-of date are not counted; \"left\"\n"
     "counts those who left from --from (default: 1 January of the as-of year)\n"
     "to --to (default: the as-of date), by reason; \"joined\" the members\n"
     "developed (join_date) in that period.\n"
     "--csv: with --lang zh (the default) a UTF-8 BOM and Chinese labels (项目,分类,人数),\n"
     "with --lang en the English keys of --json.  --xlsx FILE: an Excel workbook\n"
     "with the org's name and the dates in its title row."},
    {"node.report balance",
     "年度党员增减情况",
     "the balance of a year (党员增减情况)"},
    {"node.report balance.help",
     "--org 组织代码（默认本机组织）--year 年份（默认今年）。\n"
     "年初人数（上年 12 月 31 日）+ 当年发展 + 组织关系转入 - 当年减少（按原因）- 组织关系\n"
     "转出 = 年末人数（12 月 31 日）：按 report stats 的规则统计，所以上年末等于今年初。\n"
     "转接按其日期计入（docs/RECORDS.md，“The balance of a year”）。对不上的党员逐一列出\n"
     "原因。--json 的键：org year start_date end_date start in in_total out out_total end\n"
     "gap balanced gap_members；--csv：item,value,count。",
     "--org CODE (default: this node's org) --year YYYY (default: this year).\n"
     "Members at the start of the year (as of 31 December before), + joined in\n"
     "the year + transferred in, - left in the year by reason - transferred out,\n"
     "= members at its end (as of 31 December): counted by the rule of report\n"
     "stats, so last year's end is this year's start.  Transfers count on their\n"
     "date (docs/RECORDS.md, \"The balance of a year\").  A member for whom the\n"
     "sum does not hold is listed with why.  --json keys: org year start_date\n"
     "end_date start in in_total out out_total end gap balanced gap_members;\n"
     "--csv: item,value,count."},
    {"node.report dues",
     "党费：应交、实交、收缴率、欠交",
     "dues (党费) due and paid, collection rate, arrears"},
    {"node.report dues.help",
     "--org 组织代码（默认本机组织）：统计其下属全部组织。\n"
     "%s",
     "--org CODE (default: this node's org): its subtree.\n"
     "%s"},
    {"node.report ranking",
     "积分：各支部党员的积分排名，以及各支部按得分的排名",
     "points (积分) of members within each branch, and the branches by their score"},
    {"node.report ranking.help",
     "--org 组织代码（默认本机组织）：统计其下属全部组织。%s\n"
     "这里的同步及时性用本机自己最近一次完成的同步，对本机范围内的每个支部都一样；\n"
     "服务器的 report ranking --org 知道每个节点的情况。",
     "--org CODE (default: this node's org): its subtree.  %s\n"
     "Sync freshness here is this node's own last completed sync, for every branch\n"
     "of its scope; the server's `report ranking --org` knows each node's."},

    /* ---- zhibu-server (server/main.c) ---- */
    {"server.about",
     "智部中心服务器：合并各支部的日志，为各级党委出报表。\n",
     "Zhibu central server: merges every branch's log and reports for\n"
     "every committee level.\n"},
    {"server.global",
     "全局选项：\n"
     "  --data 目录    服务器的数据目录（或环境变量 ZHIBU_DATA）\n"
     "  --json         读数据的命令输出供程序使用的 JSON\n",
     "global options:\n"
     "  --data DIR     the server's data directory (or ZHIBU_DATA)\n"
     "  --json         machine-readable output on commands that read\n"},
    {"server.init",
     "建立数据目录、CA 和服务器证书",
     "create the data directory, the CA and the server certificate"},
    {"server.init.help",
     "--name 主机（可重复）写明服务器证书上的主机名和地址；默认 localhost 和 127.0.0.1。\n"
     "CA 私钥保存在 目录/pki 中。",
     "--name HOST (repeatable) names the server certificate's hosts and\n"
     "addresses; default localhost and 127.0.0.1.  The CA key stays in DIR/pki."},
    {"server.org import",
     "导入整个组织树（以此为准）",
     "load the whole org tree (authoritative)"},
    {"server.org import.help",
     "列为 code,name,type,parent_code。要么全部导入，要么什么都不导入。各节点拉取时\n"
     "会收到组织目录。",
     "Columns code,name,type,parent_code.  All or nothing.  Nodes receive the\n"
     "tree as a directory when they pull."},
    {"server.enroll",
     "为节点签发证书和登记文件",
     "issue a node's certificate and bundle"},
    {"server.enroll.help",
     "写出一个登记文件（权限 0600）：CA 证书、节点证书（绑定 --node-id 和 --org）及其\n"
     "私钥、--server，以及 --org 下属的组织目录（节点同步之前就能导入花名册）。以下\n"
     "情况拒绝：本服务器没有的组织（退出码 4；请先 org import），服务器证书上没有写明的\n"
     "--server 主机（退出码 3：否则每次同步都会失败），以及已经登记过的节点编号（退出码 3），\n"
     "除非加 --replace：为该节点换一台新电脑。--replace 签发新证书、吊销旧电脑的证书，\n"
     "并在登记文件上注明，新电脑第一次同步时从本服务器恢复该节点（它自己的记录和修改）。\n"
     "在支部电脑上运行：zhibu-node init --enroll 文件 --data 目录。",
     "Writes one bundle file (mode 0600): the CA certificate, the node's\n"
     "certificate (binding --node-id and --org) and key, --server, and the org\n"
     "directory of --org's subtree (so the node can import its roster before it\n"
     "syncs).  Refused: an org this server does not hold (exit 4; org import\n"
     "first), and a --server host the server certificate does not name (exit 3:\n"
     "every sync would fail), and a node id enrolled before (exit 3) unless\n"
     "--replace: a new PC for that node.  --replace issues a new certificate,\n"
     "revokes the old PC's, and marks the bundle so that the new PC's first sync\n"
     "restores the node (its own records and edits) from this server.  On the\n"
     "branch PC: zhibu-node init --enroll FILE --data DIR."},
    {"server.revoke",
     "从节点下次连接起拒绝它",
     "refuse a node from its next connection on"},
    {"server.run",
     "通过双向 TLS 1.3 提供同步服务",
     "serve sync sessions over mutual TLS 1.3"},
    {"server.run.help",
     "--listen 地址:端口（默认 0.0.0.0:7420）。收到 SIGTERM 或 SIGINT 时在当前提交之后\n"
     "正常停止。每次同步在 stderr 写一行日志。\n"
     "--idle-timeout 秒数（默认 60）：关闭长时间没有动静的连接，以及过了这段时间后\n"
     "发送速度低于每秒 512 字节的连接。\n"
     "--max-rejected-per-day N（默认 1000）：每个节点每天完整保留的被退回操作数；\n"
     "其余只保留摘要（结果、原因、哈希）。\n"
     "--ticket-lifetime 秒数（默认 10800，0 为关闭）：在这段时间内同步过的节点可以\n"
     "恢复 TLS 会话（重连更快）；证书照样对照吊销名单检查。\n"
     "每个节点最多同时 2 个连接；第三个会被告知稍后重试。\n"
     "--http 地址:端口 同时用服务器证书通过 HTTPS 提供各级党委的看板（中文网页、JSON 接口、\n"
     "/metrics），凭令牌访问（zhibu-server token issue）；--http-port-file 文件 写入其端口。",
     "--listen ADDR:PORT (default 0.0.0.0:7420).  SIGTERM or SIGINT stop it\n"
     "cleanly after the current commit.  One log line per session on stderr.\n"
     "--idle-timeout SECONDS (default 60) closes a silent session, and one that\n"
     "sends a frame slower than 512 bytes/s once that long has passed.\n"
     "--max-rejected-per-day N (default 1000): rejected ops kept whole per node\n"
     "and day; the rest are kept as summaries (outcome, reason, hash).\n"
     "--ticket-lifetime SECONDS (default 10800, 0 = off): a node that synced\n"
     "within that time resumes its TLS session (a cheap reconnect); its\n"
     "certificate is checked against the revocation list all the same.\n"
     "At most 2 sessions per node at once; a third is told to retry later.\n"
     "--http ADDR:PORT also serves the committees' dashboard over HTTPS with the\n"
     "server's certificate (pages in Chinese, a JSON API, /metrics), to holders of\n"
     "a token (zhibu-server token issue); --http-port-file F gets its port."},
    {"server.bundle import",
     "接收节点的数据包，当作一次同步的推送",
     "take a node's data parcel (数据包) as its sync's push"},
    {"server.bundle import.help",
     "文件 来自没有网络的地方运行的 zhibu-node bundle export。它的签名必须来自本系统\n"
     "未被吊销的节点证书；节点和范围以证书为准。其中的操作要通过同步推送时的全部检查\n"
     "（顺序、分叉、范围、记录规则、每天的限额 --max-rejected-per-day N）；要么全部保存，\n"
     "要么都不保存。--node 编号：不是该节点的数据包就拒绝。导入两次不会改变任何数据。\n"
     "退出码 6 为拒绝（签名、别的系统或节点、已吊销、有缺口或分叉），3 为文件损坏或不完整。\n"
     "--json 的键：ok command file node_id org from to cursor held_seq ops applied duplicates\n"
     "rejected conflicts already bytes error。",
     "FILE comes from zhibu-node bundle export at an office with no link.  Its\n"
     "signature must be by a node certificate of this deployment that is not\n"
     "revoked; the node and its scope are the certificate's.  Its ops pass every\n"
     "check a sync's push passes (order, forks, scope, record rules, the daily\n"
     "allowance --max-rejected-per-day N); all of them are stored or none.\n"
     "--node ID: refuse it unless it is that node's.  Importing it twice changes\n"
     "nothing.  Exit 6 refused (signature, another deployment or node, revoked,\n"
     "a gap or a fork), 3 damaged or truncated.  --json: ok command file node_id\n"
     "org from to cursor held_seq ops applied duplicates rejected conflicts\n"
     "already bytes error."},
    {"server.bundle export",
     "写出给节点的数据包：它同步时会拉取的内容",
     "write a node's data parcel (数据包): what it would pull"},
    {"server.bundle export.help",
     "--node 编号（必填）：文件 中写入该节点同步时会拉取的内容，从它上次确认的游标\n"
     "或上一个数据包之后开始（--since 游标：改为从该服务器序号之后），以及服务器收到\n"
     "它的操作到哪一条；被退回的操作也一起带上。用服务器的密钥签名。既没有同步过也\n"
     "没有送来过数据包（哪怕被拒绝的）的节点退出码 4，已吊销的节点 6。--json 的键：ok\n"
     "command file node_id org parcel from to ops held_seq batches bytes error。",
     "--node ID (required): FILE gets what that node's sync would pull, after\n"
     "the cursor it last acknowledged or its last parcel carried (--since\n"
     "CURSOR: after that server seq instead), and how far the server holds its\n"
     "ops; its rejected ops travel with it.  Signed with the server's key.\n"
     "Exit 4 for a node that has neither synced nor sent a parcel (not even one\n"
     "refused), 6 for a revoked one.  --json: ok command file node_id org\n"
     "parcel from to ops held_seq batches bytes error."},
    {"server.status",
     "服务器日志、节点、记录、分叉",
     "server log, nodes, records, forks"},
    {"server.status.help",
     "各项数量，以及每一次分叉的证据：某个节点在某个序号推送的操作与服务器保存的\n"
     "不同（列出两个哈希）。--json 的键：server_seq nodes members orgs conflicts rejected\n"
     "rejected_summarized forks。",
     "Counts, and the evidence of every fork: a node that pushed an op other\n"
     "than the one the server holds at that seq (both hashes).  --json keys:\n"
     "server_seq nodes members orgs conflicts rejected rejected_summarized forks."},
    {"server.digest",
     "某组织及其下属全部记录的 SHA-256 摘要",
     "SHA-256 of every record in an org's subtree"},
    {"server.digest.help",
     "等于组织为 --org 且已同步的节点的摘要。",
     "Equals the digest of a synced node whose org is --org."},
    {"server.verify",
     "检查服务器日志、每个节点的哈希链和数据",
     "check the server log, every node's chain and the state"},
    {"server.conflicts",
     "待核对的同时修改",
     "concurrent edits kept for review"},
    {"server.conflicts.help",
     "全部冲突记录（两个值、两个写入者、保留的值），或 --org 下属的冲突记录。",
     "Every conflict record (both values, both writers, the value kept), or\n"
     "those of --org's subtree."},
    {"server.report pipeline",
     "--org 下属的发展党员情况",
     "the development pipeline (发展党员) of --org's subtree"},
    {"server.report pipeline.help",
     "截至今天各阶段的申请人数和逾期名单，与 zhibu-node report pipeline 对本机范围的\n"
     "算法相同；--year 年份：只统计该年递交申请的人。",
     "Applicants per stage as of today and the overdue list, as zhibu-node report\n"
     "pipeline computes it for a node's scope; --year Y: those who applied in Y."},
    {"server.report meetings",
     "--org 下属各支部的三会一课",
     "organizational life (三会一课) of --org's subtree, per branch"},
    {"server.report meetings.help",
     "应开与实开的会议、没有开会的期间、出席率和法定人数，与 zhibu-node report meetings\n"
     "对本机范围的算法相同。",
     "Meetings held against those required, the periods without, attendance and\n"
     "quorum, as zhibu-node report meetings computes it for a node's scope."},
    {"server.token issue",
     "为 --org 下属签发看板令牌",
     "a bearer token of the dashboard for --org's subtree"},
    {"server.token issue.help",
     "令牌只显示这一次（服务器只保存其哈希）。--expires 天数（默认不过期）。凭它可以\n"
     "访问 zhibu-server run --http 的 https://主机:端口/（用“Authorization: Bearer 令牌”，\n"
     "或在浏览器中用 ?token=令牌），看该组织及其下属组织；/metrics 需要根组织的令牌。",
     "Prints the token once (the server keeps only its hash).  --expires DAYS\n"
     "(default: none).  It opens https://HOST:PORT/ of zhibu-server run --http\n"
     "(as \"Authorization: Bearer TOKEN\", or ?token=TOKEN in a browser) for that\n"
     "org and the orgs below it; /metrics needs a token of a root org."},
    {"server.token list",
     "看板的令牌（编号、组织、到期）",
     "the dashboard's tokens (ids, orgs, expiry)"},
    {"server.token revoke",
     "从现在起拒绝某个令牌",
     "refuse a token from now on"},
    {"server.token revoke.help",
     "编号 为 token list 中令牌的编号（前 6 位或更多）。",
     "ID is the token's id from token list (its first 6 or more digits)."},
    {"server.report stats",
     "--org 下属的党内统计",
     "member statistics for --org's subtree"},
    {"server.report stats.help",
     "--as-of YYYY-MM-DD（默认今天）；--json 供程序使用；--csv（--lang zh 即默认时为中文\n"
     "表头和 BOM；--lang en 时为英文键）；--xlsx 文件 写 Excel 工作簿。\n"
     "截至该日已离开的党员不计入；“减少”按原因统计 --from（默认该年 1 月 1 日）至\n"
     "--to（默认截至日）期间离开的人数；“发展党员”统计这期间入党（join_date）的人数。",
     "--as-of YYYY-MM-DD (default today); --json for machines; --csv (Chinese\n"
     "labels and a BOM with --lang zh, the default; English keys with --lang en);\n"
     "--xlsx FILE for an Excel workbook.\n"
     "Members who left on or before the as-of date are not counted; \"left\"\n"
     "counts those who left from --from (default: 1 January of the as-of year)\n"
     "to --to (default: the as-of date), by reason; \"joined\" the members\n"
     "developed (join_date) in that period."},
    {"server.report balance",
     "--org 下属的年度党员增减情况",
     "the balance of a year (党员增减情况) for --org's subtree"},
    {"server.report balance.help",
     "--org 组织代码（必填）--year 年份（默认今年）。年初人数（上年 12 月 31 日）+ 当年\n"
     "发展 + 组织关系转入 - 当年减少（按原因）- 组织关系转出 = 年末人数（12 月 31 日）：\n"
     "按 report stats 的规则统计，所以上年末等于今年初。转接按其日期计入\n"
     "（docs/RECORDS.md，“The balance of a year”）。对不上的党员逐一列出\n"
     "原因。--json 的键：org year start_date end_date start in in_total out out_total end\n"
     "gap balanced gap_members；--csv：item,value,count。",
     "--org CODE (required) --year YYYY (default: this year).  Members at the\n"
     "start of the year (as of 31 December before), + joined in the year +\n"
     "transferred in, - left in the year by reason - transferred out, = members\n"
     "at its end (as of 31 December): counted by the rule of report stats, so\n"
     "last year's end is this year's start.  Transfers count on their date\n"
     "(docs/RECORDS.md, \"The balance of a year\").  A member for whom the sum\n"
     "does not hold is listed with why.  --json keys: org year start_date\n"
     "end_date start in in_total out out_total end gap balanced gap_members;\n"
     "--csv: item,value,count."},
    {"server.report freshness",
     "哪些节点在同步、哪些沉寂了、哪些支部没有节点",
     "which nodes sync, which went quiet, which branches have none"},
    {"server.report freshness.help",
     "在这里登记过或联系过的每个节点（--org 下属的，默认全部）：所属组织、上次成功的\n"
     "同步或数据包、上次失败的连接及原因、服务器还没有的操作数（截至它上次联系），\n"
     "以及距上次同步的天数（从未同步的，从登记时算）。时间以服务器的时钟为准，不用\n"
     "节点的时钟。超过 --days N 天（默认 14）没有联系的、或登记后这么久从未同步的节点\n"
     "标上 (!)。然后列出没有自己节点的支部，以及保存其记录的上级节点（如果有）。\n"
     "--json 的键：as_of days org nodes flagged orgs_without_node；--csv：每个节点一行，\n"
     "然后每个支部一行。",
     "Every node enrolled here or heard from (of --org's subtree, default all):\n"
     "its org, its last successful sync or parcel, its last failed session and\n"
     "why, its ops the server does not hold yet (as of its last contact), and\n"
     "the days since it last synced (or since it was enrolled, if never).  Times\n"
     "are the server's clock, never the node's.  Nodes silent more than --days N\n"
     "(default 14), or never synced that long after enrollment, are flagged (!).\n"
     "Then the branches with no node of their own, and the node above that\n"
     "keeps their records, if any.  --json keys: as_of days org nodes flagged\n"
     "orgs_without_node; --csv: one row per node, then per branch."},
    {"server.report dues",
     "--org 下属的党费：应交、实交、收缴率、欠交",
     "dues (党费) of --org's subtree: due, paid, collection rate, arrears"},
    {"server.report dues.help",
     "--org 组织代码（必填）：统计其下属全部组织。\n"
     "%s",
     "--org CODE (required): its subtree.\n"
     "%s"},
    {"server.report ranking",
     "积分：--org 下属各支部党员的积分排名，以及各支部的排名",
     "points (积分) of members within each branch of --org's subtree, and the branches"},
    {"server.report ranking.help",
     "--org 组织代码（必填）：统计其下属全部组织。%s\n"
     "同步及时性：负责每个支部的节点（支部自己的，或其上级最近的一个：见 report freshness）\n"
     "上次成功联系以来的天数。",
     "--org CODE (required): its subtree.  %s\n"
     "Sync freshness is the days since the last successful contact of the node\n"
     "that keeps each branch (its own, or the nearest above it: report freshness)."},
    {"server.points scheme",
     "正在使用的积分办法",
     "the points scheme (积分办法) in force"},
    {"server.points scheme.help",
     "已安装时显示 目录/points.ini，否则显示内置的默认办法（deploy/points.ini）。\n"
     "--json 的键：name version title base items auto branch formula。",
     "Prints DIR/points.ini when installed, else the built-in default\n"
     "(deploy/points.ini).  --json: name version title base items auto branch\n"
     "formula."},
    {"server.points install",
     "在服务器上安装积分办法",
     "install a points scheme (积分办法) on the server"},
    {"server.points install.help",
     "检查 文件（INI 格式：docs/RECORDS.md，“Points”）并复制为 目录/points.ini；\n"
     "zhibu-server run 下次启动时起使用。积分记录（zhibu-node points add）带有办法的\n"
     "名称/版本：服务器拒绝按其他办法记的积分，所以每台电脑都要安装同一个文件。",
     "Checks FILE (an INI file: docs/RECORDS.md, \"Points\") and copies it to\n"
     "DIR/points.ini; zhibu-server run uses it from its next start.  Entries\n"
     "(zhibu-node points add) carry the scheme's NAME/VERSION: the server refuses\n"
     "one made under another, so install the same file on every PC."},

    /* ---- dues and evaluations (zb_duescli.c, zb_evalcli.c) ---- */
    {"node.dues list",
     "列出党费缴纳记录（--org 下属的）",
     "list dues payments (of --org's subtree)"},
    {"node.dues list.help",
     "--month YYYY-MM 或 --year YYYY：这些月份的缴纳记录。已作废的不列出；--all 也列出\n"
     "作废的。表格中金额以元为单位，并标出金额不是标准的缴纳（非标准）；--json 以数字\n"
     "给出 standard_fen 和 amount_fen，以及 \"flagged\"；--csv 写出 dues import 能读回的文件。",
     "--month YYYY-MM or --year YYYY: payments for those months.  Voided payments\n"
     "are left out; --all lists them too.  The table gives amounts in yuan and\n"
     "marks a payment whose amount is not the standard (非标准); --json gives\n"
     "standard_fen and amount_fen as numbers and \"flagged\"; --csv writes what\n"
     "dues import reads back."},
    {"node.dues pay",
     "记录党员某个月的党费",
     "record a member's dues (党费) for a month"},
    {"node.dues pay.help",
     "--month YYYY-MM（必填）：所交的月份，与 --date（收款日，默认今天）相差最多 6 个月。\n"
     "--kind（必填）：employee（在职，按税后月工资的比例）、retiree（离退休，按养老金的\n"
     "比例）、farmer（农民）、student（学生）、unemployed（下岗失业）或 low_income（低保）：\n"
     "标准金额按该月适用的规则计算（zhibu-node dues rules）：在职 3000 元以下（含）千分之五，\n"
     "3000 至 5000 元百分之一，5000 至 10000 元百分之一点五，10000 元以上百分之二；离退休\n"
     "5000 元以下（含）千分之五，以上百分之一；学生、下岗失业、低保 0.20 元；农民在本机设定的范围内（dues setting；\n"
     "默认 0.20 至 1.00 元）。\n"
     "--base 元：月工资或养老金（只用于 employee、retiree）。比例金额四舍五入到分。\n"
     "--amount 元：实交金额不是标准时写明（多交总是可以；少交或不交需经党委同意）：\n"
     "该缴纳会被标出；--note 文字 写明原因。农民所交金额在范围内即为其标准。每名党员\n"
     "每月一条：第二条会被拒绝（先作废第一条）。显示缴纳记录的编号 党员编号-YYYYMM\n"
     "（作废后为 -2、-3……）；--json 显示整条记录。服务器会再检查一次。",
     "--month YYYY-MM (required): the month paid for, at most 6 months ahead of\n"
     "or behind --date (the day the money was received; default today).\n"
     "--kind (required): employee (在职, a share of the monthly wage after tax),\n"
     "retiree (离退休, a share of the pension), farmer (农民), student (学生),\n"
     "unemployed (下岗失业) or low_income (低保): the standard amount comes from\n"
     "the rule in force for the month (zhibu-node dues rules): employee 0.5 per cent\n"
     "of a base up to 3000 yuan, 1 per cent to 5000, 1.5 to 10000, 2 above; retiree\n"
     "0.5 per cent up to 5000, 1 above; student, unemployed, low_income 0.20 yuan;\n"
     "farmer within this node's range (dues setting; default 0.20 to 1.00).\n"
     "--base YUAN: the monthly wage or pension (employee, retiree only).  A share\n"
     "rounds half up to a whole fen.\n"
     "--amount YUAN: what was paid, when it is not the standard (more is always\n"
     "welcome; less or none with the committee's approval): the payment is then\n"
     "flagged; --note TEXT says why.  A farmer's amount inside the range is his\n"
     "standard.  One payment per member and month: a second is refused (void\n"
     "the first).  Prints the payment's key, MEMBER-YYYYMM (-2, -3 … after a\n"
     "void); --json prints the payment.  The server checks it again."},
    {"node.dues rules",
     "党费规则表（分档，作为数据）",
     "the dues rule tables (brackets, as data)"},
    {"node.dues rules.help",
     "每条规则及其版本、起用日期、依据和各档。--json 供程序使用。",
     "Every rule with its version, the date it applies from, its source and its\n"
     "rows.  --json for machines."},
    {"node.dues setting",
     "本机农民党员党费的范围",
     "this node's farmer range for dues"},
    {"node.dues setting.help",
     "不带选项：显示当前范围。--farmer-min 元 --farmer-max 元：设定范围，须在全国规定的\n"
     "0.20 至 1.00 元之内（各省自定范围；同一系统的每台电脑请设成一样）。只有 dues pay\n"
     "用它：农民党员所交金额在范围内即为标准；不写 --amount 时按最低额缴纳。",
     "Without options: prints it.  --farmer-min YUAN --farmer-max YUAN: sets it,\n"
     "inside the national 0.20 to 1.00 yuan (provinces set their own range; set\n"
     "the same on every PC of the deployment).  Only dues pay uses it: a\n"
     "farmer paying an amount in the range pays the standard; without --amount\n"
     "the minimum is paid."},
    {"dues.report.help",
     "--month YYYY-MM 或 --year YYYY（默认 --as-of 所在的月份）；\n"
     "--as-of YYYY-MM-DD（默认今天）：之后的月份还不到交的时候。\n"
     "党员在某月任何一天是党员，就应交该月党费（从入党的月份起；离开日期是某月 1 日或\n"
     "更早的，该月起不再交）。已交：该月有一条未作废的缴纳记录。\n"
     "应交金额：每个应交月份的标准——按该月缴纳记录的标准，未交的按该党员之前最近一次\n"
     "缴纳的标准（没有则按之后最早的一次）。\n"
     "收缴率：已交月数 / 应交月数。欠交：每个有未交月份的党员、未交的月份、估计欠交的\n"
     "金额，以及截至最后一个应交月份连续未交的月数；6 个月及以上的标出（党章 第九条）。\n"
     "--json（键：org from to as_of due_to members months_due months_paid collection_rate\n"
     "expected_fen paid_fen flagged_payments months_without_standard orgs arrears），\n"
     "--csv 写出欠交名单。",
     "--month YYYY-MM or --year YYYY (default: the month of --as-of);\n"
     "--as-of YYYY-MM-DD (default today): months after it are not due yet.\n"
     "A member owes dues for each month in which he was a member on one of its\n"
     "days (from the month of joining; not from a month whose first day is the\n"
     "leave date or after it).  Paid: a payment of that month, not voided.\n"
     "Expected: the standard of each due month — of its payment, or, unpaid, of\n"
     "the member's latest earlier payment (else the earliest later one).\n"
     "Collection rate: months paid / months due.  Arrears: each member with an\n"
     "unpaid month, the months, what they are estimated to owe, and how many\n"
     "months in a row are unpaid up to the last due month; 6 or more is flagged\n"
     "(党章 第九条).  --json (keys: org from to as_of due_to members months_due\n"
     "months_paid collection_rate expected_fen paid_fen flagged_payments\n"
     "months_without_standard orgs arrears), --csv the arrears."},
    {"node.eval list",
     "列出某年的民主评议",
     "list evaluations (民主评议) of a year"},
    {"node.eval list.help",
     "--year 年份（默认今年），--org 组织代码（默认本机组织）。表格最后列出每个组织的\n"
     "已评议人数、优秀人数，以及最多可评优秀的人数（正式党员的三分之一）。--json 另给出\n"
     "党员姓名；--csv 写出 eval import 能读回的文件。",
     "--year YYYY (default this year), --org CODE (default this node's).  The\n"
     "table ends with each org's count: graded, 优秀, and the most 优秀 it may\n"
     "give (one third of its full members).  --json adds the member's name;\n"
     "--csv writes what eval import reads back."},
    {"node.eval set",
     "评定党员某年的民主评议等次",
     "grade a member for a year (民主评议)"},
    {"node.eval set.help",
     "--year 年份（必填，不晚于今年）--grade 优秀|合格|基本合格|不合格 [--note 文字]。\n"
     "每名党员每年一条（编号 党员编号-年份）；再次评定即修改等次。只评议正式党员；\n"
     "优秀最多为该组织未离开的正式党员的三分之一。本机检查一次，服务器按其顺序再检查：\n"
     "两台电脑合起来超过三分之一时，后到的会被退回。",
     "--year YYYY (required, not after this year) --grade 优秀|合格|基本合格|不合格\n"
     "[--note TEXT].  One evaluation per member and year (key MEMBER-YYYY);\n"
     "setting it again changes the grade.  Only full members (正式党员) are\n"
     "graded; 优秀 goes to at most one third of the org's full members who\n"
     "have not left.  Checked here and again by the server in its order: of two\n"
     "PCs that together would exceed the third, the later comes back rejected."},

    /* ---- the record commands made from the kind descriptors (zb_kindcli.c) ---- */
    {"kind.fields",
     "字段（CSV 列名和 --json 的键为选项名中的 '-' 换成 '_'）：\n",
     "Fields (the CSV columns and --json keys are the names with '_'):\n"},
    {"kind.field_line",
     "  --%-12s %s：%s%s\n",
     "  --%-12s %s: %s%s\n"},
    {"kind.required",
     "（必填）",
     " (required)"},
    {"kind.may_omit",
     "（可以没有）",
     " (may be left out)"},
    {"kind.org_short",
     "  --org          即 --%s",
     "  --org          short for --%s"},
    {"kind.to_short",
     "  --to           即 --%s",
     "  --to           short for --%s"},
    {"kind.columns",
     "列名可以用英文名，或其后的任一中文名：\n",
     "Columns, by the English name or any of the Chinese names after it:\n"},
    {"kind.ft.text",
     "文字",
     "text"},
    {"kind.ft.text_max",
     "文字，最多 %u 个字",
     "text, at most %u characters"},
    {"kind.ft.id",
     "编号（字母、数字、- _ .，最多 32 个）",
     "an id (letters, digits, - _ ., at most 32)"},
    {"kind.ft.date",
     "日期 YYYY-MM-DD（也可写 2015/6/30、2015年6月30日）",
     "a date YYYY-MM-DD"},
    {"kind.ft.vocab",
     "以下之一：%s",
     "one of: %s"},
    {"kind.ft.vocab_many",
     "%d 个值之一，如 %s",
     "one of %d values, such as %s"},
    {"kind.ft.org",
     "组织代码",
     "an org code"},
    {"kind.ft.idnum",
     "18 位公民身份号码",
     "an 18-character resident ID number"},
    {"kind.ft.phone",
     "手机（13800138000）或固定电话（0731-84012345）",
     "a mobile (13800138000) or landline (0731-84012345)"},
    {"kind.ft.count",
     "整数 0-999999",
     "a whole number 0-999999"},
    {"kind.ft.month",
     "月份 YYYY-MM",
     "a month YYYY-MM"},
    {"kind.ft.fen",
     "金额，以分为单位的整数",
     "money, a whole number of fen"},
    {"kind.ft.actor",
     "（不写时为 --actor）",
     " (empty: the --actor)"},
    {"kind.ft.state",
     "（由操作改变）",
     " (changed by acts)"},
    {"kind.ft.auto",
     "（不写时自动分配）",
     " (assigned when absent)"},
    {"kind.import",
     "从 CSV 文件或 Excel 工作簿导入%s",
     "load %s from CSV or an Excel workbook"},
    {"kind.keyless",
     "没有 %s 的行（或文件没有这一列）：更新%s中%s相同的那一条，没有则新增一条，\n"
     "分配新的 %s（与 %s add 相同）。\n",
     "A row without %s (or a file without that column) updates the %s with\n"
     "the same %s, or adds one with a new %s (as %s add does).\n"},
    {"kind.reach_skip",
     "本机范围以外的行跳过并计数。",
     "  Rows outside the node's scope are skipped and counted."},
    {"kind.import.help",
     "文件 可以是 CSV 文本或 Excel 工作簿（.xlsx，即 Excel 和 WPS 保存的格式：按文件内容\n"
     "识别，与文件名无关），读取第一个工作表；表头上方的标题行会跳过，日期可以是日期\n"
     "单元格，问题按工作表的行号报告。\n"
     "表头行写明各列，顺序不限（名称前后的空格和英文大小写不影响）；其他列（序号、备注\n"
     "等）忽略，并用一行警告列出。文件可以是 UTF-8（带或不带 BOM）或 GB18030/GBK，即\n"
     "Excel 和 WPS 保存的“CSV (逗号分隔)”；CRLF 换行可以，全空的行跳过。值按人们的\n"
     "写法读取：去掉前后空格，全角数字转为半角，日期可写 2015-06-30、2015/6/30、2015.6.30、\n"
     "2015年6月30日 或 20150630，电话可写 138 0013 8000 或 (0731)84012345，汉、本科 等简称\n"
     "即 汉族、大学本科（docs/RECORDS.md，“Importing”）。\n"
     "要么全部导入，要么什么都不导入：有任何一行有错就什么都不保存，每个错行报告为\n"
     "文件:行号: 列: 原因 (value: \"...\")。%s 已存在的行更新该%s；完全相同的行不改变任何数据。\n"
     "%s文件 写作 - 时从标准输入读取（问题中的文件名为 \"stdin\"）。先读取并检查整个文件，\n"
     "只在随后短暂的写入时锁住数据库，所以正在运行的后台同步只需等这么久。%s\n"
     "\n"
     "%s",
     "FILE is CSV text or an Excel workbook (.xlsx, as Excel and WPS save it: told\n"
     "by its bytes, whatever its name), whose first sheet is read; a title row\n"
     "above the header is skipped, dates may be date cells, and problems name the\n"
     "sheet's row as the LINE.\n"
     "A header row names the columns, in any order (blanks around a name and the\n"
     "case of its letters do not matter); other columns (序号, 备注, ...) are\n"
     "ignored, with one warning naming them.  The file may be UTF-8 (with or\n"
     "without BOM) or GB18030/GBK, as Excel and WPS save \"CSV (逗号分隔)\";\n"
     "CRLF line ends are fine, rows of empty cells are skipped.  Values are read\n"
     "as people write them: blanks around them and full-width digits are dropped,\n"
     "dates may be 2015-06-30, 2015/6/30, 2015.6.30, 2015年6月30日 or 20150630,\n"
     "phones 138 0013 8000 or (0731)84012345, short forms such as 汉 or 本科 stand\n"
     "for 汉族 and 大学本科 (docs/RECORDS.md, \"Importing\").\n"
     "All or nothing: a file with any bad row stores nothing, and every bad row\n"
     "is reported as FILE:LINE: column: reason (value: \"...\").  A row whose %s\n"
     "exists updates that %s; an identical row changes nothing.\n"
     "%sGive - as FILE to read the file from stdin (problems then name the file\n"
     "\"stdin\").  The file is read and checked first; the database is locked for\n"
     "writing only for the short write that follows, so a running daemon's sync\n"
     "waits only that long.%s\n"
     "\n"
     "%s"},
    {"kind.issue",
     "办理%s：%s",
     "issue a %s of a %s"},
    {"kind.issue.help",
     "%s\n"
     "显示新%s的%s。\n"
     "\n"
     "%s",
     "%s.\n"
     "Prints the %s's %s.\n"
     "\n"
     "%s"},
    {"kind.transfer.add_help",
     "办理党员到本系统另一个支部的组织关系转接：\n"
     "  transfer out 党员编号 --to 组织代码 [--reason 文字] [--date YYYY-MM-DD]\n"
     "服务器把它连同党员记录的副本发给范围内有该组织的每个节点；接收方（或其上级党委）\n"
     "接收或拒绝，在此之前本方可以撤销。接收之前党员仍留在本方。从 --date 起 3 个月内\n"
     "未接收的，转接过期。党员转到本系统以外（外省的系统）：\n"
     "  transfer out 党员编号 --outside 名称 --letter 介绍信编号 [--date YYYY-MM-DD]\n"
     "结束其在本方的党籍（member leave，原因 转出系统外），并记下介绍信编号。",
     "issue the transfer of a member to another branch of this deployment:\n"
     "  transfer out MEMBER --to CODE [--reason TEXT] [--date YYYY-MM-DD]\n"
     "The server sends it, with a copy of the member's record, to every node whose scope\n"
     "holds CODE; the destination (or a committee above it) accepts or rejects it, and\n"
     "this side may cancel it until then.  Until it is accepted the member stays here.\n"
     "Not accepted within 3 months (from --date), it expires.  A member moving outside\n"
     "this deployment (another province's system):\n"
     "  transfer out MEMBER --outside NAME --letter NO [--date YYYY-MM-DD]\n"
     "ends the membership here (member leave, reason 转出系统外) with the letter's number"},
    {"kind.add",
     "添加%s",
     "add one %s"},
    {"kind.add.help",
     "显示新%s的%s。\n"
     "\n"
     "%s",
     "Prints the %s's %s.\n"
     "\n"
     "%s"},
    {"kind.update",
     "修改%s的字段",
     "change fields of a %s"},
    {"kind.show",
     "显示一条%s记录",
     "show one %s"},
    {"kind.list",
     "列出%s（--org 下属的）",
     "list %s (of --org's subtree)"},
    {"kind.list.csv_import",
     "--csv 写出 %s import 能原样读回的文件：--lang zh（默认；--lang en 或英文的 LANG 为英文）时\n"
     "以 UTF-8 BOM 开头，列名为中文，正是 Excel 和 WPS 需要的。\n"
     "--xlsx 文件 写出 Excel 工作簿%s%s%s：标题行写明组织名称和今天的日期，然后是表头，\n"
     "每条%s一行；身份证号和电话为文本，日期为日期。%s import 能读回。",
     "--csv writes a file that %s import reads back unchanged: with --lang zh (the\n"
     "default; --lang en or an English LANG for English) it starts with a UTF-8\n"
     "BOM and names the columns in Chinese, as Excel and WPS want it.\n"
     "--xlsx FILE writes an Excel workbook%s%s%s: a title row with the org's\n"
     "name and today's date, the header, one row per %s; ID numbers and phones\n"
     "are text, dates are dates.  %s import reads it back."},
    {"kind.list.sheet_open",
     "（",
     " (the "},
    {"kind.list.sheet_close",
     "，按通常的列顺序）",
     ", in its usual columns)"},
    {"kind.list.csv",
     "--csv 写出以 --json 的键为表头的 CSV（--lang zh 即默认时为中文列名）；\n"
     "--xlsx 文件 写出 Excel 工作簿。",
     "--csv writes CSV with the --json keys as its header (Chinese names\n"
     "with --lang zh, the default); --xlsx FILE an Excel workbook."},
    {"kind.list.down",
     "\n"
     "不写 --org：本机组织及其上级组织的。",
     "\n"
     "Without --org: this node's own and those of the orgs above it."},
    {"kind.list.all",
     "\n"
     "--all 同时列出已离开当前名单的（状态已结束）。",
     "\n"
     "--all also lists those that have left the current list (their state ended)."},
    {"kind.list.state",
     "\n"
     "--state 状态（或 --%s 状态）只列出处于该状态的（%s）。",
     "\n"
     "--state S (or --%s S) lists only those in state S (%s)."},
    {"kind.list.overdue",
     "\n"
     "--overdue 只列出逾期的，并写明原因（只提示，不拒绝）。",
     "\n"
     "--overdue lists only those overdue, with why (flagged, never refused)."},
    {"kind.list.reach",
     "\n"
     "--in 列出转入本机范围的（%s 在范围内），--out 列出转出的（%s 在范围内）。",
     "\n"
     "--in lists those coming into this node's scope (%s in it), --out those\n"
     "going out (%s in it)."},
    {"kind.act.head",
     "操作 为以下之一（英文名或中文名；适用于哪些%s，之后的%s）：\n",
     "ACT is one of (English or Chinese name; in which %s; the %s after):\n"},
    {"kind.act.same",
     "不变",
     "the same"},
    {"kind.act.tail",
     "服务器会按其顺序再检查每个操作：被退回的操作会在本机撤销。",
     "The server checks each act again in its order: a rejected act is undone here."},
    {"kind.act",
     "记录%s的一个步骤",
     "record a step (act) of a %s"},
    {"kind.one_act",
     "%s%s",
     "%s a %s"},
    {"kind.one_act.help",
     "%s。\n"
     "适用于%s的%s为 %s 时；之后为 %s。\n"
     "服务器会按其顺序再检查一次：被退回的操作会在本机撤销。",
     "%s.\n"
     "Applies when the %s's %s is %s; afterwards it is %s.\n"
     "The server checks it again in its order: a rejected act is undone here."},
    {"kind.unchanged",
     "不变",
     "unchanged"},
    {"kind.fact",
     "记录%s的%s",
     "record %s on a %s"},
    {"kind.fact.help",
     "每个%s一条%s：再次记录不会改变任何数据。\n"
     "\n"
     "%s",
     "One %s per %s: recording it again changes nothing.\n"
     "\n"
     "%s"},
    {"KEY ACT",
     "编号 操作",
     "KEY ACT"},
    {"kind.too_long",
     "--%s：值有 %zu 字节，超过 %d",
     "--%s: value is %zu bytes, more than %d"},
    {"kind.to_outside",
     "--to 和 --outside：只能给一个去向",
     "--to and --outside: give one destination"},
    {"kind.exists",
     "--%s：%s %s 已经存在（修改请用 %s update）",
     "--%s: %s %s already exists (use %s update)"},
    {"kind.key_fixed",
     "--%s：%s的%s不能修改",
     "--%s: a %s's %s cannot be changed"},
    {"kind.nothing_to_change",
     "%s: 请至少写一个要修改的字段，例如 --%s 值",
     "%s: name at least one field to change, e.g. --%s VALUE"},
    {"kind.not_found",
     "找不到%s %s",
     "%s %s not found"},
    {"kind.updated",
     "%s: %s %s 已修改\n",
     "%s: %s %s updated\n"},
    {"kind.same",
     "%s: %s %s 没有变化（值相同）\n",
     "%s: %s %s unchanged (same values)\n"},
    {"kind.field",
     "字段",
     "field"},
    {"kind.value",
     "值",
     "value"},
    {"kind.overdue",
     "逾期",
     "overdue"},
    {"kind.count",
     "共 %ld 条%s\n",
     "%ld %s\n"},
    {"kind.bad_state",
     "--state：“%s”不是%s的状态；状态有 %s",
     "--state: \"%s\" is not a state of a %s; the states are %s"},
    {"kind.outside_scope",
     "--org：%s 不在本机范围 %s 之内",
     "--org: %s is outside this node's scope %s"},
    {"kind.xlsx_failed",
     "--xlsx：%s：无法写入",
     "--xlsx: %s: cannot be written"},
    {"kind.xlsx_failed_why",
     "--xlsx：%s：无法写入（%s）",
     "--xlsx: %s: cannot be written (%s)"},
    {"kind.xlsx_written",
     "%s: %s: 已写出 %ld 条%s\n",
     "%s: %s: %ld %s written\n"},
    {"kind.no_act",
     "%s act：没有“%s”这个操作；见 %s %s act --help",
     "%s act: no act \"%s\"; see %s %s act --help"},
    {"kind.act_opt",
     "--%s：不是 %s（%s）的选项",
     "--%s: not an option of %s (%s)"},
    {"kind.outside_needs",
     "--outside 需要去向的名称和 --letter 介绍信编号",
     "--outside needs the destination's name and --letter, the number of the introduction letter (介绍信编号)"},
    {"kind.already",
     "（已记录过）",
     " (already recorded)"},

    /* ---- what the commands say as they run (node/main.c, zb_cli.c) ---- */
    {"node.no_node",
     "%s: 这里没有节点；请先建立：zhibu-node init --node-id 编号 --org 组织代码 --data 目录",
     "%s: no node here; create one with: zhibu-node init --node-id ID --org CODE --data DIR"},
    {"node.no_data",
     "没有数据目录：请写 --data 目录，或设置环境变量 ZHIBU_DATA",
     "no data directory: pass --data DIR or set ZHIBU_DATA"},
    {"node.init_needs",
     "init 需要 --data 目录（或 ZHIBU_DATA），以及 --enroll 文件 或 --node-id 编号 --org 组织代码",
     "init needs --data DIR (or ZHIBU_DATA), and --enroll FILE or --node-id ID --org CODE"},
    {"node.init_exists",
     "%s 中已经有节点；什么都没有改变",
     "%s already holds a node; nothing changed"},
    {"node.created",
     "%s: 节点 %s（组织 %s）已建立在 %s%s",
     "%s: node %s for org %s created in %s%s"},
    {"node.enrolled",
     "，已登记",
     ", enrolled"},
    {"node.bundle_orgs",
     "；从登记文件取得本机范围内的 %ld 个组织",
     "; %ld orgs of its scope from the bundle"},
    {"node.log_fields",
     ",…（共 %zu 个字段）",
     ",… (%zu fields)"},
    {"node.bad_since",
     "--since：“%s”不是序号",
     "--since: \"%s\" is not a sequence number"},
    {"node.verify_ok",
     "条操作，哈希链完好，数据与按日志重建的结果一致",
     "ops, hash chain intact, state equals a rebuild from the log"},
    {"node.no_org",
     "%s: 这里没有组织 %s（请导入组织树，或先同步）",
     "%s: no org %s here (import the org tree, or sync first)"},
    {"node.bad_seconds",
     "--%s：“%s”不是秒数（1..604800）",
     "--%s: \"%s\" is not a number of seconds (1..604800)"},
    {"node.sync_ok",
     "同步完成：推送 %llu，拉取 %llu，冲突 %u，退回 %u，发送 %llu 字节，接收 %llu 字节，用时 %.3f 秒%s%s",
     "sync: pushed %llu, pulled %llu, conflicts %u, rejected %u, %llu bytes out, %llu bytes in, %.3f s%s%s"},
    {"node.sync_resumed",
     "（恢复了 TLS 会话）",
     " (TLS session resumed)"},
    {"node.sync_failed",
     "同步失败，用时 %.3f 秒（推送 %llu，拉取 %llu）：%s%s",
     "sync failed after %.3f s (pushed %llu, pulled %llu): %s%s"},
    {"node.sync_unrecorded",
     "无法记下这次同步的结果供 status 显示：%s",
     "cannot record the outcome for status: %s"},
    {"node.why_start",
     "启动",
     "start"},
    {"node.why_interval",
     "定时",
     "interval"},
    {"node.why_changes",
     "本机有修改",
     "local changes"},
    {"node.no_retry",
     "（%s）；不再重试",
     " (%s); no retry"},
    {"node.next_in",
     "（%s）；最迟 %llu 秒后再同步",
     " (%s); next in %llu s at the latest"},
    {"node.daemon_start",
     "后台同步：节点 %s，每 %llu 秒一次，本机修改后 %llu 秒",
     "daemon: node %s, every %llu s, %llu s after local changes"},
    {"node.daemon_stopped",
     "后台同步已停止",
     "daemon stopped"},
    {"col.seq",
     "序号",
     "seq"},
    {"col.time",
     "时间",
     "time"},
    {"col.actor",
     "操作人",
     "actor"},
    {"col.kind",
     "类别",
     "kind"},
    {"col.key",
     "编号",
     "key"},
    {"col.fields",
     "字段",
     "fields"},
    {"col.hash",
     "哈希",
     "hash"},
    {"col.record",
     "记录",
     "record"},
    {"col.field",
     "字段",
     "field"},
    {"col.reason",
     "原因",
     "reason"},
    {"col.server_seq",
     "服务器序号",
     "server seq"},
    {"col.kept",
     "保留的值",
     "kept"},
    {"col.written_by",
     "写入者",
     "written by"},
    {"col.other",
     "另一个值",
     "other value"},
    {"col.token",
     "编号",
     "id"},
    {"col.org",
     "组织",
     "org"},
    {"col.issued",
     "签发",
     "issued"},
    {"col.expires",
     "到期",
     "expires"},
    {"col.state",
     "状态",
     "state"},
    {"col.stage",
     "阶段",
     "stage"},
    {"col.count",
     "人数",
     "count"},
    {"col.branch",
     "所在党支部",
     "branch"},
    {"cli.cannot_write",
     "无法写出结果：%s",
     "cannot write output: %s"},
    {"cli.bad_date",
     "--%s：“%s”不是日期 YYYY-MM-DD",
     "--%s: \"%s\" is not a date YYYY-MM-DD"},
    {"cli.from_after_to",
     "--from 晚于 --to：这段时间是空的",
     "--from is after --to: the period is empty"},
    {"cli.one_format",
     "--json、--csv 和 --xlsx：只能选一个",
     "--json, --csv and --xlsx: give one of them"},
    {"cli.report_written",
     "%s: %s: 已写出 %s 的报表（%ld 名党员）\n",
     "%s: %s: report of %s written (%ld members)\n"},
    {"cli.bad_year",
     "--year：“%s”不是年份（例如 2026）",
     "--year: \"%s\" is not a year (e.g. 2026)"},
    {"cli.bad_year_range",
     "--year：“%s”不是 %d 到 %d 之间的年份",
     "--year: \"%s\" is not a year from %d to %d"},
    {"cli.funnel",
     "发展党员 %s：%zu\n",
     "development pipeline of %s: %zu\n"},
    {"cli.funnel_year",
     "发展党员 %s（%d 年递交申请）：%zu\n",
     "development pipeline of %s (applied in %d): %zu\n"},
    {"cli.funnel_overdue",
     "\n"
     "逾期：%zu\n",
     "\n"
     "overdue: %zu\n"},
    {"cli.import_nothing",
     "%s: 什么都没有导入；请改正上面列出的行，再导入一次",
     "%s: nothing was imported; correct the rows above and run the import again"},
    {"cli.import_unreadable",
     "%s: 什么都没有导入：无法读取该文件",
     "%s: nothing was imported: cannot read the file"},
    {"cli.imported",
     "%s: %s: %ld 行：新增 %ld，更新 %ld，未变 %ld",
     "%s: %s: %ld rows: %ld added, %ld updated, %ld unchanged"},
    {"cli.imported_skipped",
     "，本机范围以外跳过 %ld",
     ", %ld outside this node's scope skipped"},
    {"cli.imported_gb18030",
     "（按 GB18030/GBK 读取）",
     " (read as GB18030/GBK)"},
    {"cli.imported_sheet",
     "（工作簿的第一个工作表“%s”）",
     " (the workbook's first sheet, \"%s\")"},
    {"cli.verify_failed",
     "检查未通过：%s",
     "verify failed: %s"},
    {"cli.verify_ok",
     "完好：%llu %s\n",
     "ok: %llu %s\n"},

    /* ---- zhibu-node status (zb_status.c) ---- */
    {"status.just_now",
     "（刚刚）",
     " (just now)"},
    {"status.within_minute",
     "（一分钟内）",
     " (within a minute)"},
    {"status.minutes_ago",
     "%s（%llu 分钟前）",
     "%s (%llu minutes ago)"},
    {"status.minutes_ahead",
     "%s（%llu 分钟后）",
     "%s (in %llu minutes)"},
    {"status.hours_ago",
     "%s（%llu 小时前）",
     "%s (%llu hours ago)"},
    {"status.hours_ahead",
     "%s（%llu 小时后）",
     "%s (in %llu hours)"},
    {"status.days_ago",
     "%s（%llu 天前）",
     "%s (%llu days ago)"},
    {"status.days_ahead",
     "%s（%llu 天后）",
     "%s (in %llu days)"},
    {"status.fail_unreach",
     "连不上同步服务器，或连接中途断了（网络不通，或服务器没有运行）。会自动重试，不用处理；一直这样请检查网络",
     "cannot reach the sync server, or the link broke (no network, or the server is not running); it retries by itself; if it goes on, check the network"},
    {"status.fail_proto",
     "与同步服务器通信出错（数据不对或版本不一致）。会自动重试；一直这样请联系上级管理员",
     "the exchange with the sync server went wrong (bad data or another version); it retries by itself; if it goes on, ask the operator above"},
    {"status.fail_refused",
     "同步服务器拒绝了本机（证书被吊销、不是本系统登记的电脑，或超出本支部的范围）。请联系上级管理员",
     "the sync server refused this PC (certificate revoked, not a PC of this deployment, or outside its scope); ask the operator above"},
    {"status.fail_revoked",
     "本机的证书已被吊销：这台电脑已由新电脑替换，再也不能同步。没有发出的修改可用 zhibu-node export-pending 文件名 导出，交给新电脑核对后导入",
     "this PC's certificate is revoked: it was replaced by a new PC and can never sync again. Export the changes it never sent with zhibu-node export-pending FILE, for the new PC to review and import"},
    {"status.pending_revoked",
     "未发送的修改：%llu 条（本机证书已被吊销，这些修改再也发不出去%s）\n",
     "changes not yet sent: %llu (this PC's certificate is revoked: they can never be sent%s)\n"},
    {"status.pending_export",
     "：用 zhibu-node export-pending 文件名 导出，交给新电脑核对后用 member import 导入",
     "; export them with zhibu-node export-pending FILE for the new PC to review and load with member import"},
    {"status.restoring",
     "本机是替换旧电脑的新电脑，还没有从服务器恢复本节点：请先运行 zhibu-node sync\n",
     "this PC replaces an old one and has not restored the node from the server yet: run zhibu-node sync first\n"},
    {"status.fail_notinit",
     "本机还没有登记到同步服务器：请用上级发的登记文件运行 zhibu-node init --enroll",
     "this PC is not enrolled with a sync server: run zhibu-node init --enroll with the bundle from the operator"},
    {"status.fail_address",
     "同步服务器地址写错了（应为 主机:端口）",
     "the sync server's address is wrong (it is HOST:PORT)"},
    {"status.fail_local",
     "本机出错（磁盘、内存或数据库）。会自动重试；一直这样请联系技术人员",
     "a fault of this PC (disk, memory or database); it retries by itself; if it goes on, ask for technical help"},
    {"status.node",
     "本机：%s（组织 %s）\n",
     "node: %s (org %s)\n"},
    {"status.server",
     "同步服务器：%s\n",
     "sync server: %s\n"},
    {"status.no_server",
     "未登记（只在本机保存）",
     "not enrolled (records kept on this PC only)"},
    {"status.counts",
     "党员：%zu 人，组织：%zu 个\n",
     "members: %zu, orgs: %zu\n"},
    {"status.pending",
     "未发送的修改：%llu 条%s\n",
     "changes not yet sent: %llu%s\n"},
    {"status.pending_unsent",
     "（服务器还没有收到）",
     " (the server does not have them yet)"},
    {"status.last_sync",
     "上次同步成功：%s\n",
     "last successful sync: %s\n"},
    {"status.never",
     "从未成功",
     "never"},
    {"status.last_error",
     "上次同步失败：%s\n",
     "last failed sync: %s\n"},
    {"status.reason",
     "失败原因：%s（%s）\n",
     "why: %s (%s)\n"},
    {"status.next",
     "下次尝试：%s%s\n",
     "next attempt: %s%s\n"},
    {"status.stale",
     "，已过时：后台同步可能没有在运行",
     "; past: the background sync may not be running"},
    {"status.no_next",
     "下次尝试：未安排（后台同步没有运行；可手动运行 zhibu-node sync）\n",
     "next attempt: none planned (the background sync is not running; run zhibu-node sync by hand)\n"},
    {"status.conflicts",
     "待核对的同时修改：%zu 处（zhibu-node conflicts）\n",
     "concurrent edits to review: %zu (zhibu-node conflicts)\n"},
    {"status.rejected",
     "被服务器退回的修改：%zu 条（zhibu-node rejected）\n",
     "changes the server refused: %zu (zhibu-node rejected)\n"},

    /* ---- member find (zb_findcli.c) ---- */
    {"node.member find",
     "按姓名、身份证号后几位或电话查找党员",
     "find members by name, the end of the ID number, or phone"},
    {"node.member find.help",
     "文字 可以是姓名的一部分（如 张、建国）、公民身份号码的最后 4 到 18 位（如 1234、12345X，\n"
     "x 和 X 一样）、电话号码或其中连续的 4 位以上数字（如 8000、0731-8401），或党员编号。\n"
     "在本机范围内查找（--org 组织代码：只在其下属中查找），已离开的党员也列出。\n"
     "没有找到时退出码 4。--json：党员记录的数组，每条另有 \"match\"（id、name、id_number\n"
     "或 phone：按什么相符）。",
     "TEXT is part of a name (张, 建国), the last 4 to 18 characters of an ID number\n"
     "(1234, 12345X; x and X alike), a phone number or 4 or more of its digits in a\n"
     "row (8000, 0731-8401), or a member id.  Searches this node's scope (--org CODE:\n"
     "that org's subtree); members who left are listed too.  Exit 4 when nothing\n"
     "matches.  --json: an array of member records, each with \"match\" (id, name,\n"
     "id_number or phone: what matched)."},
    {"server.member find",
     "在 --org 下属中按姓名、身份证号后几位或电话查找党员",
     "find members of --org's subtree by name, the end of the ID number, or phone"},
    {"server.member find.help",
     "--org 组织代码（必填）。其余与 zhibu-node member find 相同：文字 可以是姓名的一部分、\n"
     "公民身份号码的最后 4 到 18 位、电话号码或其中连续的 4 位以上数字，或党员编号；\n"
     "没有找到时退出码 4；--json 的每条记录另有 \"match\"。",
     "--org CODE (required).  Otherwise as zhibu-node member find: TEXT is part of a\n"
     "name, the last 4 to 18 characters of an ID number, a phone number or 4 or more\n"
     "of its digits in a row, or a member id; exit 4 when nothing matches; --json\n"
     "gives each record with \"match\"."},
    {"find.empty",
     "member find：请写要查找的文字（姓名、身份证号后几位或电话）",
     "member find: give the text to look for (a name, the end of an ID number, or a phone)"},
    {"find.none",
     "没有找到与“%s”相符的党员（按姓名、身份证号后几位、电话或编号查找）",
     "no member matches \"%s\" (by name, the end of the ID number, phone or id)"},
    {"find.col_match",
     "相符",
     "match"},
    {"find.by_id",
     "编号",
     "id"},
    {"find.by_name",
     "姓名",
     "name"},
    {"find.by_id_number",
     "身份证号",
     "ID number"},
    {"find.by_phone",
     "电话",
     "phone"},
    {"find.count",
     "找到 %zu 名党员",
     "members found: %zu"},
    {"find.more",
     "（只列出前 %zu 名）",
     " (the first %zu shown)"},

    /* ---- what zhibu-server says as it runs (server/main.c) ---- */
    {"server.bad_number",
     "--%s：“%s”不是 %ld 到 %ld 之间的整数",
     "--%s: \"%s\" is not a whole number from %ld to %ld"},
    {"server.no_server",
     "%s: 这里没有服务器；请先建立：zhibu-server init --data 目录",
     "%s: no server here; create one with: zhibu-server init --data DIR"},
    {"server.cannot_create",
     "无法建立 %s：%s",
     "cannot create %s: %s"},
    {"server.init_exists",
     "%s 中已经有服务器；什么都没有改变",
     "%s already holds a server; nothing changed"},
    {"server.created",
     "%s: 已在 %s 建立服务器：CA 为 %s/ca.crt，服务器证书写明",
     "%s: server created in %s: CA %s/ca.crt, server certificate for"},
    {"server.enroll_needs",
     "enroll 需要 --node-id 编号 --org 组织代码 --server 主机:端口 --out 文件",
     "enroll needs --node-id ID --org CODE --server HOST:PORT --out FILE"},
    {"server.bad_org_eg",
     "--org：“%s”不是组织代码（例如 430121-03-07）",
     "--org: \"%s\" is not an org code such as 430121-03-07"},
    {"server.bad_node_id",
     "--node-id：须为 1 到 64 个英文字母、数字、'-'、'_' 或 '.'",
     "--node-id: must be 1-64 ASCII letters, digits, '-', '_' or '.'"},
    {"server.bad_node",
     "--node：须为 1 到 64 个英文字母、数字、'-'、'_' 或 '.'",
     "--node: must be 1-64 ASCII letters, digits, '-', '_' or '.'"},
    {"server.bad_server",
     "--server：“%s”不是 主机:端口",
     "--server: \"%s\" is not HOST:PORT"},
    {"server.enroll_no_org",
     "--org：本服务器没有组织 %s：请先导入组织树（zhibu-server org import 文件），或检查代码",
     "--org: this server holds no org %s: import the org tree first (zhibu-server org import FILE), or check the code"},
    {"server.enroll_bad_host",
     "--server：服务器证书上没有写明 %s 的主机，每次同步都会失败；证书写明的是：%s（zhibu-server init --name）；请用其中之一",
     "--server: the server certificate does not name the host of %s, so every sync would fail; it names: %s (zhibu-server init --name); give one of those"},
    {"server.nothing",
     "（没有）",
     "nothing"},
    {"server.exists",
     "%s 已经存在；不覆盖它",
     "%s exists; refusing to overwrite it"},
    {"server.enrolled",
     "%s: 节点 %s（组织 %s）已登记：把 %s 交给该支部的书记（其中有私钥和本节点范围的组织目录）\n",
     "%s: node %s of org %s enrolled: give %s to its secretary (it holds a key and the org directory of the node's scope)\n"},
    {"server.enrolled_replace",
     "%s: 节点 %s（组织 %s）已为新电脑重新登记，旧电脑的证书已吊销。把 %s 交给该支部的书记：`zhibu-node init --enroll %s` 后第一次同步即从本服务器恢复该节点\n",
     "%s: node %s of org %s re-enrolled for a new PC; its old PC's certificate is revoked. Give %s to its secretary: `zhibu-node init --enroll %s` and a first sync restore the node from this server\n"},
    {"server.revoke_needs",
     "revoke 需要 --node-id 编号",
     "revoke needs --node-id ID"},
    {"server.never_enrolled",
     "节点 %s 从未在这里登记过",
     "node %s was never enrolled here"},
    {"server.revoked",
     "%s: 节点 %s 已吊销；从它下次连接起拒绝\n",
     "%s: node %s revoked; refused from its next connection on\n"},
    {"server.export_needs",
     "bundle export 需要 --node 编号",
     "bundle export needs --node ID"},
    {"server.bad_since",
     "--since：“%s”不是服务器序号",
     "--since: \"%s\" is not a server seq"},
    {"server.fork",
     "  分叉：节点 %s 的第 %llu 条操作，%s：保存的 %s，送来的 %s\n",
     "  fork: node %s op %llu at %s: held %s, offered %s\n"},
    {"server.status_lines",
     "服务器序号  %llu\n"
     "节点        %zu 个（推送过的）\n"
     "党员        %zu 人\n"
     "组织        %zu 个\n"
     "同时修改    %zu 处\n"
     "退回        %llu 条（其中 %llu 条只保留摘要）\n"
     "分叉        %zu 处%s\n",
     "server seq  %llu\n"
     "nodes       %zu (that have pushed)\n"
     "members     %zu\n"
     "orgs        %zu\n"
     "conflicts   %zu\n"
     "rejected    %llu (%llu kept as summaries)\n"
     "forks       %zu%s\n"},
    {"server.forked",
     "（有节点的日志分叉了：吊销后重新登记）",
     " (a node's log was forked: revoke and re-enroll it)"},
    {"server.org_required",
     "必须写 --org 组织代码",
     "--org CODE is required"},
    {"server.bad_org",
     "--org：“%s”不是组织代码",
     "--org: \"%s\" is not an org code"},
    {"server.no_org",
     "%s: 没有组织 %s（见 zhibu-server org import）",
     "%s: no org %s (see zhibu-server org import)"},
    {"server.token_issued",
     "令牌 %s（%s%s）：交给该党委；它不会再显示",
     "token %s for %s%s: give it to the committee; it is not shown again"},
    {"server.no_expiry",
     "，不过期",
     " (no expiry)"},
    {"server.no_token",
     "token revoke：%s 不是任何令牌（见 token list）",
     "token revoke: %s names no token (see token list)"},
    {"server.token_ambiguous",
     "token revoke：%s 不止对应一个令牌（请从 token list 多写几位）",
     "token revoke: %s is not one token's id (give more of it, from token list)"},
    {"server.token_revoked",
     "令牌 %s 已吊销",
     "token %s revoked"},

    /* ---- bundle export and import, node and server (zb_cli.c) ---- */
    {"parcel.node_export",
     "%s: %s: 给服务器的数据包：节点 %s，操作 %llu 至 %llu（%llu 条，服务器已有到 %llu），拉取游标 %llu，%llu 字节\n",
     "%s: %s: parcel for the server: node %s, ops %llu to %llu (%llu ops, the server holds up to %llu), pull cursor %llu, %llu bytes\n"},
    {"parcel.server_export",
     "%s: %s: 第 %llu 个数据包，给节点 %s（组织 %s）：%llu 条，在服务器序号 %llu 之后，到 %llu；服务器已有它的操作到 %llu；%llu 字节\n",
     "%s: %s: parcel %llu for node %s (org %s): %llu entries after server seq %llu, up to %llu; the server holds its ops up to %llu; %llu bytes\n"},
    {"parcel.already",
     "%s: %s: 以前导入过（或之后已同步）：没有任何改变\n",
     "%s: %s: imported before (or synced since): nothing changed\n"},
    {"parcel.server_import",
     "%s: %s: 节点 %s（组织 %s）：%llu 条操作：应用 %llu，退回 %llu，冲突 %llu，已有 %llu；服务器已有它的操作到 %llu；它下次从 %llu 之后拉取\n",
     "%s: %s: node %s (org %s): %llu ops: %llu applied, %llu rejected, %llu conflicts, %llu held already; the server holds its ops up to %llu; its next pull starts after %llu\n"},
    {"parcel.node_import",
     "%s: %s: 服务器的第 %llu 个数据包：拉取 %llu，冲突 %llu，退回 %llu，早已收到 %llu；游标 %llu；服务器已有本机的操作到 %llu\n",
     "%s: %s: server parcel %llu: pulled %llu, conflicts %llu, rejected %llu, %llu had arrived already; cursor %llu; the server holds this node's ops up to %llu\n"},
    /* Refusal reasons (records layer) */
    {"why.with_value",
     "%s（值：“%s”）",
     "%s (value: \"%s\")"},
    {"why.required",
     "必须填写",
     "is required"},
    {"why.too_long",
     "超过 %s 字节",
     "longer than %s bytes"},
    {"why.control_char",
     "含有控制字符（换行等看不见的字符）",
     "contains a control character"},
    {"why.not_utf8",
     "不是有效的 UTF-8 文字",
     "not valid UTF-8 text"},
    {"why.vocab",
     "不是可选的值；应为%s",
     "unknown value; expected %s"},
    {"why.vocab_ethnic",
     "56 个民族之一（如 汉族、回族）",
     "one of the 56 ethnic groups"},
    {"why.date_no_day",
     "只有年和月，缺少日：请写完整日期 YYYY-MM-DD（如 1990-07-01）",
     "is a year and month without the day: give the whole date, YYYY-MM-DD (e.g. 1990-07-01)"},
    {"why.date_shape",
     "应为日期 YYYY-MM-DD（2015/6/30、2015.6.30、2015年6月30日、20150630 也能识别）",
     "must be a date: YYYY-MM-DD (2015/6/30, 2015.6.30, 2015年6月30日 and 20150630 are read too)"},
    {"why.date_year",
     "年份应在 1900 到 2999 之间",
     "year must be between 1900 and 2999"},
    {"why.date_unreal",
     "不是真实存在的日期",
     "not a real date"},
    {"why.date_after_today",
     "日期不能晚于今天（%s）",
     "is after today (%s)"},
    {"why.id_shape",
     "应为 1–%s 个英文字母、数字或 - _ . 符号",
     "must be 1-%s ASCII letters, digits, '-', '_' or '.'"},
    {"why.idnum_sci",
     "已被电子表格变成了数字（末几位已丢失）：请把这一列设为“文本”格式，再重新输入号码",
     "was turned into a number by the spreadsheet (its last digits are lost): format the column as text (文本) and type the numbers again"},
    {"why.idnum_check",
     "身份证号校验位是 %s，应为 %s",
     "check character is %s, expected %s"},
    {"why.idnum_len",
     "身份证号应为 18 位",
     "must be 18 characters"},
    {"why.idnum_digits",
     "身份证号前 17 位必须是数字",
     "the first 17 characters must be digits"},
    {"why.idnum_lower_x",
     "身份证号校验位应为大写 X，不能是小写 x",
     "check character must be an uppercase X, not x"},
    {"why.idnum_check_char",
     "身份证号校验位应为数字或 X",
     "check character must be a digit or X"},
    {"why.idnum_birth",
     "身份证号中的出生日期（第 7–14 位）不是真实日期",
     "birth date part (characters 7-14) is not a real date"},
    {"why.idnum_wrong_check",
     "身份证号校验位不对",
     "wrong check character"},
    {"why.too_many_chars",
     "有 %s 个字，最多 %s 个",
     "has %s characters; at most %s allowed"},
    {"why.org_code_name",
     "填的是组织名称，不是组织代码：请填组织代码，如 430121-03-07（zhibu-node org list 可查）",
     "is a name, not an org code: give the org's code, e.g. 430121-03-07 (zhibu-node org list shows them)"},
    {"why.org_code",
     "应为组织代码：6 位数字，后接若干段“-字母或数字”（每段 1–8 位），共不超过 64 字节（如 430121-03-07）",
     "must be an org code: 6 digits, then -parts of 1-8 letters or digits, at most 64 bytes (e.g. 430121-03-07)"},
    {"why.count",
     "应为 0 到 999999 的整数（只写数字）",
     "must be a whole number from 0 to 999999 (digits only)"},
    {"why.month",
     "应为月份 YYYY-MM（如 2026-05）",
     "must be a month YYYY-MM (e.g. 2026-05)"},
    {"why.fen",
     "应为以分为单位的整数，只写数字，如 3000 即 30.00 元，最多 999999999999",
     "must be a whole number of fen (分), digits only, e.g. 3000 for 30.00 yuan, at most 999999999999"},
    {"why.phone",
     "应为手机号（1 开头的 11 位数字，如 13800138000）或固定电话（0731-84012345，不带区号写 84012345；分机号写在后面：-分机号）",
     "must be a mobile number (11 digits from 1, e.g. 13800138000) or a landline (0731-84012345, or 84012345 without the area code; -EXT for an extension)"},
    {"why.lost_creation",
     "服务器上没有%s %s：创建它的操作（本节点第 %s 条操作）已被退回",
     "%s %s does not exist at the server: its creation (op %s of this node) was rejected"},
    {"why.full_date_probationary",
     "预备党员不填转正日期",
     "must be empty for 预备党员"},
    {"why.full_date_full",
     "正式党员必须填写转正日期",
     "is required for 正式党员"},
    {"why.leave_required",
     "党员离开时必须填写",
     "is required when a member leaves"},
    {"why.leave_only",
     "只在党员离开时填写",
     "is set only when a member leaves"},
    {"why.birth_idnum",
     "与身份证号中的出生日期 %s 不符",
     "does not match id_number birth date %s"},
    {"why.gender_idnum_odd",
     "与身份证号不符：身份证号第 17 位 %s 是奇数，应为男",
     "does not match id_number, whose 17th digit %s is odd (男)"},
    {"why.gender_idnum_even",
     "与身份证号不符：身份证号第 17 位 %s 是偶数，应为女",
     "does not match id_number, whose 17th digit %s is even (女)"},
    {"why.join_age",
     "入党时应年满 %s 周岁（不早于 %s）",
     "must be at least %s years after birth_date (on or after %s)"},
    {"why.leave_before_join",
     "不能早于入党日期 %s",
     "must not be before join_date %s"},
    {"why.full_too_early",
     "应在入党满 1 年之后（不早于 %s）：预备期为一年",
     "must be at least 1 year after join_date (on or after %s): probation lasts one year"},
    {"why.full_too_late",
     "最迟在入党后 2 年之内（不晚于 %s）：预备期只能延长一次，最多 12 个月",
     "must be at most 2 years after join_date (on or before %s): probation may be extended only once, by up to 12 months"},
    {"why.parent_top",
     "应为空：%s 是最上一级的代码",
     "must be empty: %s is a top-level code"},
    {"why.parent_is",
     "应为 %s，即 %s 的上级",
     "must be %s, the parent of %s"},
    {"why.parent_missing",
     "上级组织 %s 不存在",
     "parent org %s does not exist"},
    {"why.committee_not_above",
     "只有 %s 的上级党委才能办理%s；本节点的组织 %s 不是它的上级",
     "only a committee above %s may record %s; this node's org %s is not above it"},
    {"why.committee_no_org",
     "只有 %s 的上级党委才能办理%s；本节点的组织 %s 不在组织树中",
     "only a committee above %s may record %s; this node's org %s is not in the org tree"},
    {"why.committee_not",
     "只有 %s 的上级党委才能办理%s；本节点的组织 %s 不是党委",
     "only a committee above %s may record %s; this node's org %s is not a committee"},
    {"why.new_state",
     "新建的%s状态应为“%s”",
     "a new %s is %s"},
    {"why.act_only",
     "%s只能通过%s的操作（%s）改变",
     "%s changes only through an act of the %s (%s)"},
    {"why.fixed",
     "%s在%s建立后不能更改",
     "%s cannot be changed once the %s exists"},
    {"why.org_missing",
     "组织 %s 不存在（请先导入组织树）",
     "org %s does not exist (import the org tree first)"},
    {"why.act_scope",
     "“%s”针对的%s %s 不在本节点的范围 %s 内",
     "%s is for %s %s: outside the writer's scope %s"},
    {"why.own_org",
     "%s只能由本组织录入：%s 不是本节点的组织 %s",
     "a %s is written by its own org: %s is not the writer's org %s"},
    {"why.org_scope",
     "组织 %s 不在本节点的范围 %s 内",
     "org %s is outside the writer's scope %s"},
    {"why.unique_here",
     "这个%s已登记在%s %s 名下",
     "%s is already recorded for %s %s"},
    {"why.unique_elsewhere",
     "这个%s已在其他组织登记",
     "this %s is already recorded in another organization"},
    {"why.no_field",
     "没有第 %s 号字段",
     "field number %s does not exist"},
    {"why.not_param",
     "%s不是这项操作的参数",
     "%s is not a parameter of this act"},
    {"why.field_twice",
     "%s在一条操作中设置了多次",
     "field %s is set more than once in one op"},
    {"why.value_text",
     "%s应为不超过 %s 字节的文字（有效的 UTF-8，不含控制字符）",
     "%s must be at most %s bytes of text (valid UTF-8, no control character)"},
    {"why.op_origin",
     "操作的来源不是节点编号",
     "the op's origin is not a node id"},
    {"why.op_actor_long",
     "操作人超过 %s 字节",
     "the op's actor is longer than %s bytes"},
    {"why.op_actor_text",
     "操作人不是有效文字（无效的 UTF-8 或含控制字符）",
     "the op's actor is not text (invalid UTF-8 or a control character)"},
    {"why.op_body",
     "操作 %s/%s 的内容是本版本不认识的",
     "op %s/%s has no body this version understands"},
    {"why.op_kind",
     "未知的记录类别 %s",
     "unknown record kind %s"},
    {"why.op_key",
     "记录编号应为 1–%s 字节的文字",
     "the record key must be 1-%s bytes of text"},
    {"why.no_act",
     "%s没有“%s”这项操作",
     "a %s has no act \"%s\""},
    {"why.no_fact",
     "%s没有“%s”这类记载",
     "a %s has no fact \"%s\""},
    {"why.move_refused",
     "“%s”要写入的%s %s 被拒绝：%s",
     "%s would write %s %s, which is refused: %s"},
    {"why.act_state",
     "%s的%s是“%s”：不能进行“%s”",
     "the %s's %s is %s: %s does not apply"},
    {"why.rec_scope",
     "%s %s 不在本节点的范围 %s 内",
     "%s %s is outside the writer's scope %s"},
    {"why.rec_missing",
     "%s %s 不存在",
     "%s %s does not exist"},
    {"why.key_fixed",
     "记录的编号不能更改",
     "a record's key cannot be changed"},
    {"why.more_problems",
     "还有 %s 处问题未列出",
     "%s more problems not shown"},
    {"why.repeat_key",
     "与本文件第 %s 行的编号重复",
     "is also the key on line %s of this file"},
    {"why.repeat_value",
     "与本文件第 %s 行重复",
     "is also on line %s of this file"},
    {"why.no_header",
     "文件里没有可用的表头",
     "the file holds no usable header"},
    {"why.columns_ignored",
     "以下列已忽略（不是%s的字段）：",
     "columns ignored (no field of a %s has these names): "},
    {"why.dues_base_employee",
     "在职党员必须填写工资基数",
     "is required for employee (the wage)"},
    {"why.dues_base_retiree",
     "离退休党员必须填写离退休费基数",
     "is required for retiree (the pension)"},
    {"why.dues_base_farmer",
     "农民党员按固定数额交纳，不填基数",
     "must be empty for farmer (a fixed amount)"},
    {"why.dues_base_student",
     "学生党员按固定数额交纳，不填基数",
     "must be empty for student (a fixed amount)"},
    {"why.dues_base_unemployed",
     "下岗失业党员按固定数额交纳，不填基数",
     "must be empty for unemployed (a fixed amount)"},
    {"why.dues_base_low_income",
     "领取生活补助的党员按固定数额交纳，不填基数",
     "must be empty for low_income (a fixed amount)"},
    {"why.dues_void_required",
     "作废一笔党费时必须填写",
     "is required when a payment is voided"},
    {"why.dues_void_only",
     "只在作废时填写",
     "is set only by void"},
    {"why.dues_key",
     "应为 %s，即党员编号和月份（该月先前的交纳作废后为 %s-N）",
     "must be %s, the member and the month (%s-N after the earlier payments of the month were voided)"},
    {"why.dues_ahead",
     "提前了 %s 个月（交纳日期 %s）：党费最多只能提前 %s 个月交纳",
     "is %s months ahead of the payment date %s: dues may be paid at most %s months ahead"},
    {"why.dues_behind",
     "晚了 %s 个月（交纳日期 %s）：党费最多只能补交 %s 个月",
     "is %s months behind the payment date %s: dues may be paid at most %s months behind"},
    {"why.dues_no_rule",
     "%s 没有适用的党费规定（最早的“%s”自 %s 起施行）",
     "no dues rule is in force for %s (the earliest, %s, applies from %s)"},
    {"why.dues_rule",
     "应为 %s，即 %s 适用的规定",
     "must be %s, the rule in force for %s"},
    {"why.dues_no_row",
     "“%s”中没有“%s”这一类",
     "%s has no row for %s"},
    {"why.dues_rate",
     "应为 %s 分（%s 元）：按 %s 计，基数 %s 元，四舍五入到分（%s）",
     "must be %s (%s yuan): %s of the base %s yuan, rounded half up to a fen (%s)"},
    {"why.dues_fixed",
     "应为 %s 分（%s 元），适用于%s（%s）",
     "must be %s (%s yuan) for %s (%s)"},
    {"why.dues_range",
     "应在 %s 到 %s 分之间（%s 到 %s 元），适用于%s（%s）",
     "must be from %s to %s (%s to %s yuan) for %s (%s)"},
    {"why.member_other_org",
     "党员 %s 属于组织 %s，不属于 %s",
     "member %s belongs to org %s, not %s"},
    {"why.member_not_in_org",
     "党员 %s 不在组织 %s 中",
     "there is no member %s in org %s"},
    {"why.dues_before_join",
     "党员 %s 于 %s 入党：%s 不需要交党费",
     "member %s joined on %s: no dues are due for %s"},
    {"why.dues_after_leave",
     "党员 %s 已于 %s 离开：%s 不需要交党费",
     "member %s left on %s: no dues are due for %s"},
    {"why.dues_gap_missing",
     "%s 接在 %s 先前的交纳之后，但 %s 不存在",
     "%s follows the earlier payments of %s, but %s does not exist"},
    {"why.dues_gap_not_void",
     "%s 接在 %s 先前的交纳之后，但 %s 没有作废（请先作废）",
     "%s follows the earlier payments of %s, but %s is not voided (void it first)"},
    {"why.member_left",
     "党员 %s 已离开（%s）",
     "member %s has left (%s)"},
    {"why.points_scheme",
     "是按积分办法 %s 记的；现行的积分办法是 %s（请在每台电脑上安装同一个 points.ini：points install 文件）",
     "was made under the points scheme %s; the scheme in force is %s (install the same points.ini everywhere: points scheme FILE)"},
    {"why.points_item",
     "%s 不是积分办法 %s 中可手工登记的项目（points scheme 可列出）",
     "%s is no manual item of the points scheme %s (points scheme lists them)"},
    {"why.points_worth",
     "%s（%s）在积分办法中为 %s 分（%s），不是 %s 分",
     "%s (%s) is worth %s points in the scheme %s, not %s"},
    {"why.points_cap",
     "%s（%s）：党员 %s 已有 %s 分，年度上限 %s 分（%s 年）；再加 %s 分就会超过",
     "%s (%s): member %s has %s of its yearly cap of %s points in %s; %s more would exceed it"},
    {"why.points_void_required",
     "作废一条积分时必须填写",
     "is required when an entry is voided"},
    {"why.eval_year",
     "应为年份 YYYY（如 2026）",
     "must be a year YYYY (e.g. 2026)"},
    {"why.eval_future",
     "晚于今年（%s）：年度评议在当年进行或年终进行",
     "is after this year (%s): a year is graded when it ends or during it"},
    {"why.eval_key",
     "应为 %s，即党员编号和年份",
     "must be %s, the member and the year"},
    {"why.eval_probationary",
     "党员 %s 是%s：预备党员参加民主评议，但不评定等次",
     "member %s is %s: probationary members take part in the evaluation but are not graded"},
    {"why.eval_third",
     "“优秀”最多占 %s 名正式党员的三分之一（%s）：%s 人已评为优秀（%s 年）",
     "优秀 goes to at most one third of the %s full members of %s: %s already have it for %s"},
    {"why.points_value",
     "应为 -%s 到 %s 之间的整数，不能是 0",
     "must be a whole number from -%s to %s, not 0"},
    {"why.minutes_sha",
     "应为 64 位小写十六进制数字（sha256sum 文件 可得）",
     "must be 64 lowercase hex digits (sha256sum FILE)"},
    {"why.minutes_pair",
     "与会议记录的 SHA-256 应同时填写",
     "and minutes_sha256 go together"},
    {"why.transfer_same",
     "是该党员所在的支部 %s：组织关系应转往别处",
     "is the member's own branch %s: a transfer goes elsewhere"},
    {"why.transfer_left",
     "党员 %s 已离开（%s %s）：没有组织关系可转",
     "member %s has left (%s %s): there is nothing to transfer"},
    {"why.transfer_moved",
     "党员 %s 现在在 %s，不在 %s",
     "member %s is in %s now, not in %s"},
    {"why.transfer_gone",
     "党员 %s 已不在 %s",
     "member %s is no longer in %s"},
    {"why.transfer_copy",
     "“%s”与党员的%s“%s”不同：党员的信息已有改动，请重新开具转接",
     "\"%s\" is not the member's %s \"%s\": the member's record changed; issue the transfer again"},
    {"why.transfer_dues",
     "该党员没有 %s 的党费交纳记录",
     "the member has no payment of %s"},
    {"why.transfer_not_branch",
     "%s（%s）是 %s：党员只能编入党支部",
     "%s (%s) is a %s: members belong to branches"},
    {"why.transfer_open",
     "党员 %s 已有一个未办结的转接 %s：请先接收、退回或取消它，或等它过期",
     "member %s already has an open transfer %s: accept, reject or cancel it, or wait until it expires"},
    {"why.transfer_reason",
     "退回转接必须说明原因（--reason 文字）",
     "a rejection needs its reason (--reason TEXT)"},
    {"why.date_option",
     "必须给出 --date",
     "--date is required"},
    {"why.reason_option",
     "必须给出 --reason",
     "--reason is required"},
    {"why.not_before",
     "%s不能早于%s %s",
     "%s must not be before %s %s"},
    {"why.already_member",
     "此人已经是党员",
     "this person is a member already"},
    {"why.votes_required",
     "必须给出 --votes-for 和 --votes-entitled",
     "--votes-for and --votes-entitled are required"},
    {"why.votes_impossible",
     "应到有表决权的 %s 人中赞成 %s 票，这不可能",
     "%s votes for out of %s entitled to vote cannot be"},
    {"why.rule_talk_first",
     "申请人先经谈话，才能确定为入党积极分子（请先登记谈话）（%s，%s 版规定）",
     "an applicant is talked with before becoming 入党积极分子 (record the talk first) (%s, rules %s)"},
    {"why.rule_filed_first",
     "入党积极分子须先报上级党委备案，才能确定为发展对象（%s，%s 版规定）",
     "an activist is reported above (备案) before becoming 发展对象 (%s, rules %s)"},
    {"why.rule_activist_years",
     "确定为发展对象须经 %s 年以上的入党积极分子培养：不早于 %s（%s，%s 版规定）",
     "发展对象 after at least %s year as 入党积极分子: on or after %s (%s, rules %s)"},
    {"why.rule_introducers",
     "须有 %s 名不同的入党介绍人，以党员编号填写：A,B（%s，%s 版规定）",
     "exactly %s different introducers (入党介绍人), as member ids: A,B (%s, rules %s)"},
    {"why.rule_introducer_unknown",
     "入党介绍人 %s 不是本系统中的党员（%s，%s 版规定）",
     "introducer %s is no member of this deployment (%s, rules %s)"},
    {"why.rule_introducer_left",
     "入党介绍人 %s 已不是党员：入党介绍人须为正式党员（%s，%s 版规定）",
     "introducer %s is no longer a member: introducers are 正式党员 (%s, rules %s)"},
    {"why.rule_introducer_probationary",
     "入党介绍人 %s 是%s：入党介绍人须为正式党员（%s，%s 版规定）",
     "introducer %s is %s: introducers are 正式党员 (%s, rules %s)"},
    {"why.rule_training",
     "集中培训不少于 %s 天或 %s 个学时（--days、--hours）（%s，%s 版规定）",
     "training of at least %s days or %s class hours (--days, --hours) (%s, rules %s)"},
    {"why.rule_prereview_introducers",
     "预审须在登记入党介绍人之后（%s，%s 版规定）",
     "预审 after the introducers are recorded (%s, rules %s)"},
    {"why.rule_prereview_review",
     "预审须在政治审查之后（%s，%s 版规定）",
     "预审 after the political review (%s, rules %s)"},
    {"why.rule_prereview_training",
     "预审须在集中培训之后（%s，%s 版规定）",
     "预审 after the training (%s, rules %s)"},
    {"why.rule_prereview_filed",
     "预审须在发展对象报上级党委备案之后（%s，%s 版规定）",
     "预审 after the 发展对象 is reported above (备案) (%s, rules %s)"},
    {"why.rule_notice_after",
     "公示须在预审之后（%s，%s 版规定）",
     "公示 after 预审 (%s, rules %s)"},
    {"why.rule_majority",
     "须经应到会有表决权的 %s 名正式党员半数以上赞成：%s 票不足半数（%s，%s 版规定）",
     "carried by more than half of the %s full members entitled to vote: %s is not (%s, rules %s)"},
    {"why.rule_vote_after",
     "支部大会表决须在公示之后（%s，%s 版规定）",
     "the branch meeting votes after the 公示 (%s, rules %s)"},
    {"why.rule_approve_within",
     "上级党委须在支部大会后 %s 个月内审批：不晚于 %s（%s，%s 版规定）",
     "审批 within %s months of the branch meeting: on or before %s (%s, rules %s)"},
    {"why.rule_extend_once",
     "预备期只能延长一次（%s，%s 版规定）",
     "probation is extended once only (%s, rules %s)"},
    {"why.rule_extend_range",
     "预备期延长 %s 到 %s 个月（--months）（%s，%s 版规定）",
     "probation extended by %s to %s months (--months) (%s, rules %s)"},
    {"why.rule_conversion_after",
     "转正须在支部大会讨论之后（%s，%s 版规定）",
     "转正 after the branch meeting on it (%s, rules %s)"},
    {"why.rule_probation",
     "预备期为 %s 年，自支部大会 %s 起算：转正日期应为 %s（%s，%s 版规定）",
     "probation lasts %s year from the branch meeting %s: the conversion date is %s (%s, rules %s)"},
    {"why.rule_probation_ext",
     "预备期为 %s 年另加延长期，自支部大会 %s 起算：转正日期应为 %s（%s，%s 版规定）",
     "probation lasts %s year plus its extension from the branch meeting %s: the conversion date is %s (%s, rules %s)"},
    {"why.csv_wide",
     "表头超过 %s 列",
     "the header has more than %s columns"},
    {"why.csv_header_long",
     "表头第 %s 列长 %s 字节，不是已知的列名",
     "header field %s is %s bytes long, not a known column"},
    {"why.csv_header_text",
     "表头第 %s 列不是文字（含控制字符，或不是 UTF-8 的字节）",
     "header field %s is not text (a control character, or bytes that are not UTF-8)"},
    {"why.csv_header_empty",
     "表头第 %s 列是空的",
     "header field %s is empty"},
    {"why.csv_unknown_column",
     "不认识这一列",
     "unknown column"},
    {"why.csv_duplicate",
     "列重复：表头第 %s 列（“%s”）和第 %s 列（“%s”）都是这一列；请只留一列",
     "duplicate column: header fields %s (\"%s\") and %s (\"%s\") both name it; keep one"},
    {"why.csv_missing_column",
     "缺少必需的列；表头可写作以下任一名称：%s",
     "required column is missing; its header may be any of: %s"},
    {"why.csv_right_of_header",
     "在表头最后一列（%s）右边还有内容：请清除，或给那一列加上表头",
     "has a value right of the header's last column (%s): clear it, or give its column a header"},
    {"why.csv_field_count",
     "有 %s 个字段，表头有 %s 个：多了或少了逗号（含逗号的值要用英文双引号括起来）",
     "has %s fields, header has %s: a comma too many or too few (a value holding a comma goes in double quotes)"},
    {"why.csv_field_long",
     "这一格有 %s 字节，超过上限 %s：请缩短",
     "field is %s bytes, longer than the limit of %s: shorten it"},
    {"why.csv_field_control",
     "含有控制字符（除制表符和换行以外、小于 0x20 的字节）",
     "holds a control character (a byte below 0x20 other than TAB or a line end)"},
    {"why.csv_field_not_utf8",
     "含有不是 UTF-8 的字节，而文件其他地方是 UTF-8：请重新输入这个值，或把文件重新另存为“CSV UTF-8 (逗号分隔)”",
     "holds bytes that are not UTF-8, in a file that is UTF-8 elsewhere: type the value again, or save the file as \"CSV UTF-8 (逗号分隔)\" again"},
    {"why.csv_quotes_at",
     "引号不配对（在第 %s 行发现）；文件其余部分没有读取",
     "malformed quotes (found on line %s); the rest of the file was not read"},
    {"why.csv_quotes",
     "引号不配对；文件其余部分没有读取",
     "malformed quotes; the rest of the file was not read"},
    {"why.csv_quote_open",
     "文件结束时还有一个引号没有闭合",
     "quoted field is not closed at the end of the file"},
    {"why.csv_no_header",
     "没有表头行",
     "no header row"},
    {"why.csv_enc_mixed",
     "文件编码有误：这一行不是 UTF-8，而前面的行是（字节 %s）；请在 Excel 或 WPS 中另存为“CSV UTF-8 (逗号分隔)”，再导入那个文件",
     "this line is not UTF-8, after lines that are (bytes %s); save the file as \"CSV UTF-8 (逗号分隔)\" in Excel or WPS and import that file"},
    {"why.csv_enc_mixed_stdin",
     "文件编码有误：这一行不是 UTF-8，而前面的行是，且标准输入无法再按 GB18030 读一遍（字节 %s）；请给出文件名而不是 -（GB18030 文件会重新读取），或另存为“CSV UTF-8 (逗号分隔)”",
     "this line is not UTF-8, after lines that are, and this input cannot be read a second time as GB18030 (bytes %s); give the file's name instead of - (a GB18030 file is then read again), or save it as \"CSV UTF-8 (逗号分隔)\""},
    {"why.csv_enc_cut",
     "文件编码有误：文件在一个字符的中间结束（字节 %s）；请在 Excel 或 WPS 中另存为“CSV UTF-8 (逗号分隔)”，再导入那个文件",
     "the file ends in the middle of a character (bytes %s); save the file as \"CSV UTF-8 (逗号分隔)\" in Excel or WPS and import that file"},
    {"why.csv_enc_utf16",
     "文件编码有误：这是 UTF-16 文本（Excel 的“Unicode 文本”），不是 CSV（字节 %s）；请在 Excel 或 WPS 中另存为“CSV UTF-8 (逗号分隔)”，再导入那个文件",
     "the file is UTF-16 text (what Excel saves as \"Unicode 文本\"), not CSV (bytes %s); save the file as \"CSV UTF-8 (逗号分隔)\" in Excel or WPS and import that file"},
    {"why.csv_enc_neither",
     "文件编码有误：既不是 UTF-8 也不是 GB18030（GBK）文本，这一行有两者都不是的字节（字节 %s）；请在 Excel 或 WPS 中另存为“CSV UTF-8 (逗号分隔)”，再导入那个文件",
     "the file is neither UTF-8 nor GB18030 (GBK) text: this line holds bytes that are neither (bytes %s); save the file as \"CSV UTF-8 (逗号分隔)\" in Excel or WPS and import that file"},
    {"why.in_column",
     "列“%s”：%s",
     "column \"%s\": %s"},
    {"why.xlsx_15_digits",
     "是 16 位以上的数字，Excel 只保留 15 位（后面几位已丢失）：请把这一列设为“文本”格式，再重新输入",
     "is a number of 16 or more digits, of which Excel keeps 15 (the last ones are lost): format the column as 文本 (Text) and type the values again"},
    {"why.xlsx_error_value",
     "是 Excel 的错误值（公式没有算出结果）：请直接输入这个值",
     "holds an Excel error value (a formula that did not work): type the value itself"},
    {"why.xlsx_not_zip",
     "看起来像 xlsx 工作簿（zip 压缩包），但不是，或已损坏：请用 Excel 或 WPS 打开后重新保存",
     "starts like an xlsx workbook (a zip archive) but is not one, or is damaged: open it in Excel or WPS and save it again"},
    {"why.xlsx_encrypted",
     "工作簿设了密码：请去掉密码后保存",
     "the workbook is encrypted: save it without a password"},
    {"why.xlsx_xls",
     "这是 Excel 97-2003 工作簿（.xls）或设了密码的工作簿：请用 Excel 或 WPS 打开，另存为不带密码的“Excel 工作簿 (*.xlsx)”或“CSV UTF-8 (逗号分隔)”，再导入那个文件",
     "this is an Excel 97-2003 workbook (.xls) or one saved with a password: open it in Excel or WPS and save it as \"Excel 工作簿 (*.xlsx)\" without a password, or as \"CSV UTF-8 (逗号分隔)\", and import that file"},
    {"why.xlsx_stdin_big",
     "从标准输入或管道读入的工作簿最大 256 MiB：请给出文件名",
     "a workbook read from stdin or a pipe may be at most 256 MiB: give the name of the file"},
    /* End of refusal reasons (records layer) */
};

const size_t zb_msgs_count = sizeof zb_msgs / sizeof *zb_msgs;
