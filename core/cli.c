/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The `socle` commands: serve, check, migrate, user, backup. Messages for
 * operators are in French; exit status 0 on success, 1 on a problem found,
 * 2 on a usage error. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "auth.h"
#include "cli.h"
#include "lua_host.h"
#include "core.h"
#include "diag.h"
#include "filestore.h"
#include "store.h"

#define EXIT_PROBLEM 1
#define EXIT_USAGE 2

struct cli_args {
	const char *config;
	const char *service;
	const char *email;
	const char *name;
	const char *role;
	const char *password_file;
	const char *to;
	const char *listen;
	int port;
	int64_t companies[16];
	size_t n_companies;
	int64_t worker;
	bool help;
	bool check; /* serve --check: the rule packs' test vectors first */
};

static const char usage_main[] =
	"Usage : socle <commande> [options]\n"
	"\n"
	"Commandes :\n"
	"  serve    --config FICHIER [--listen ADRESSE] [--port N] [--check]\n"
	"           sert l'API et les espaces web du déploiement\n"
	"  check    --config FICHIER\n"
	"           charge configuration, plugins et scripts, exécute les vecteurs de test\n"
	"           des règles et signale chaque problème avec son emplacement\n"
	"  migrate  --config FICHIER\n"
	"           applique les migrations en attente de chaque service puis s'arrête\n"
	"  user add     --config F --service ID --email E --role R [--name N]\n"
	"               [--company ID]... [--worker ID] [--password-file F]\n"
	"  user passwd  --config F --service ID --email E [--password-file F]\n"
	"  user disable --config F --service ID --email E\n"
	"           gère les comptes (mot de passe lu sur l'entrée standard sans\n"
	"           --password-file)\n"
	"  backup   --config FICHIER --service ID --to FICHIER\n"
	"           sauvegarde à chaud (API de sauvegarde SQLite), copie vérifiée\n"
	"\n"
	"Rôles : service_admin, medecin, infirmier, iprp, assistant_social,\n"
	"        assistant_medical, employer, employee, operator\n"
	"Chaque commande accepte --help.\n";

static int parse_args(int argc, char **argv, struct cli_args *a)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},  {"service", required_argument, NULL, 's'},
		{"email", required_argument, NULL, 'e'},   {"name", required_argument, NULL, 'n'},
		{"role", required_argument, NULL, 'r'},    {"password-file", required_argument, NULL, 'p'},
		{"to", required_argument, NULL, 't'},      {"listen", required_argument, NULL, 'l'},
		{"port", required_argument, NULL, 'P'},    {"company", required_argument, NULL, 'C'},
		{"worker", required_argument, NULL, 'w'},  {"help", no_argument, NULL, 'h'},
		{"check", no_argument, NULL, 'K'},
		{NULL, 0, NULL, 0}};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': a->config = optarg; break;
		case 's': a->service = optarg; break;
		case 'e': a->email = optarg; break;
		case 'n': a->name = optarg; break;
		case 'r': a->role = optarg; break;
		case 'p': a->password_file = optarg; break;
		case 't': a->to = optarg; break;
		case 'l': a->listen = optarg; break;
		case 'P': a->port = atoi(optarg); break;
		case 'C':
			if (a->n_companies < SOCLE_COUNT(a->companies))
				a->companies[a->n_companies++] = strtoll(optarg, NULL, 10);
			break;
		case 'w': a->worker = strtoll(optarg, NULL, 10); break;
		case 'h': a->help = true; break;
		case 'K': a->check = true; break;
		default: return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "socle : argument inattendu « %s »\n", argv[optind]);
		return EXIT_USAGE;
	}
	return 0;
}

static int need(const char *value, const char *option)
{
	if (value == NULL) {
		fprintf(stderr, "socle : option %s obligatoire (voir --help)\n", option);
		return EXIT_USAGE;
	}
	return 0;
}

static socle_core *open_deployment(const struct cli_args *a, bool check_only)
{
	struct socle_core_opts opts = {.check_only = check_only, .listen = a->listen, .port = a->port};
	struct diag d = {0};
	socle_core *core = NULL;

	if (core_open(a->config, &opts, &d, &core) != 0 || diag_count(&d) > 0) {
		diag_print(&d);
		fprintf(stderr, "socle : %zu problème(s) dans le déploiement %s\n", diag_count(&d),
		        a->config);
		core_close(core);
		core = NULL;
	}
	diag_fini(&d);
	return core;
}

/* Allow many connections: each is a file descriptor. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int cmd_serve(const struct cli_args *a)
{
	if (a->help) {
		fputs("Usage : socle serve --config FICHIER [--listen ADRESSE] [--port N] [--check]\n"
		      "Sert l'API HTTP/JSON et les espaces web ; s'arrête proprement sur SIGINT ou SIGTERM.\n"
		      "--check : exécute d'abord les vecteurs de test des règles de chaque service et\n"
		      "refuse de servir si l'un d'eux échoue.\n",
		      stdout);
		return 0;
	}
	if (need(a->config, "--config"))
		return EXIT_USAGE;
	raise_fd_limit();
	socle_core *core = open_deployment(a, false);
	if (core == NULL)
		return EXIT_PROBLEM;
	if (a->check) {
		struct diag d = {0};

		for (size_t i = 0; i < core->n_services; i++)
			if (core->services[i]->lua != NULL)
				lua_service_check(core->services[i], &d);
		if (diag_count(&d) > 0) {
			diag_print(&d);
			fprintf(stderr, "socle : %zu vecteur(s) de test en échec : le service n'est pas "
			        "servi\n", diag_count(&d));
			diag_fini(&d);
			core_close(core);
			return EXIT_PROBLEM;
		}
		diag_fini(&d);
	}
	int rc = core_serve(core);
	core_close(core);
	return rc == 0 ? 0 : EXIT_PROBLEM;
}

static int cmd_check(const struct cli_args *a)
{
	if (a->help) {
		fputs("Usage : socle check --config FICHIER\n"
		      "Charge la configuration, les plugins et tous les scripts de chaque service,\n"
		      "exécute les vecteurs de test des règles, et signale chaque problème avec son\n"
		      "fichier et sa ligne. Ne modifie aucune donnée. Statut 0 si tout est bon.\n",
		      stdout);
		return 0;
	}
	if (need(a->config, "--config"))
		return EXIT_USAGE;
	socle_core *core = open_deployment(a, true);
	if (core == NULL)
		return EXIT_PROBLEM;
	printf("%s : configuration, %zu plugin(s) et scripts de %zu service(s) valides\n", a->config,
	       core->n_plugins, core->n_services);
	core_close(core);
	return 0;
}

static int cmd_migrate(const struct cli_args *a)
{
	if (a->help) {
		fputs("Usage : socle migrate --config FICHIER\n"
		      "Applique les migrations en attente (cœur puis plugins) de chaque service,\n"
		      "chacune dans sa transaction, puis s'arrête.\n", stdout);
		return 0;
	}
	if (need(a->config, "--config"))
		return EXIT_USAGE;
	socle_core *core = open_deployment(a, false);
	if (core == NULL)
		return EXIT_PROBLEM;
	printf("migrations à jour pour %zu service(s)\n", core->n_services);
	core_close(core);
	return 0;
}

/* Read a password from @p file or the first line of stdin (caller frees). */
static char *read_password(const char *file)
{
	FILE *f = file ? fopen(file, "r") : stdin;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL) {
		perror(file);
		return NULL;
	}
	if (file == NULL && isatty(STDIN_FILENO))
		fputs("Mot de passe : ", stderr);
	n = getline(&line, &cap, f);
	if (file)
		fclose(f);
	if (n <= 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

struct user_job {
	const struct cli_args *a;
	const char *verb;
	const char *password;
	int role;
	int64_t user_id;
};

/* The auth functions write their own audit entries (user.create, user.bind,
 * user.password, user.disable) in this same transaction. */
static int user_write(socle_db *wdb, void *ud, socle_err *err)
{
	struct user_job *j = ud;
	const struct cli_args *a = j->a;

	if (strcmp(j->verb, "add") == 0) {
		int64_t id = socle_user_create(wdb, a->email, a->name ? a->name : a->email, j->role,
		                               j->password, err);

		if (id < 0)
			return (int)id;
		for (size_t i = 0; i < a->n_companies; i++)
			if (socle_user_bind(wdb, id, "company", a->companies[i], err) != 0)
				return err->code;
		if (a->worker > 0 && socle_user_bind(wdb, id, "worker", a->worker, err) != 0)
			return err->code;
		j->user_id = id;
		return 0;
	}
	int64_t id = auth_user_find(wdb, a->email);

	if (id <= 0)
		return socle_err_set(err, SOCLE_E_NOTFOUND, "aucun compte %s", a->email);
	j->user_id = id;
	if (strcmp(j->verb, "passwd") == 0)
		return socle_user_set_password(wdb, id, j->password, err);
	return auth_user_disable(wdb, id, err);
}

static int cmd_user(int argc, char **argv)
{
	struct cli_args a = {0};
	struct user_job job = {.a = &a};

	if (argc < 2 || (strcmp(argv[1], "add") && strcmp(argv[1], "passwd") &&
	                 strcmp(argv[1], "disable"))) {
		fputs("Usage : socle user add|passwd|disable --config F --service ID --email E ...\n"
		      "(socle --help pour le détail)\n", stderr);
		return EXIT_USAGE;
	}
	job.verb = argv[1];
	if (parse_args(argc - 1, argv + 1, &a) != 0)
		return EXIT_USAGE;
	if (a.help) {
		fputs("Usage : socle user add --config F --service ID --email E --role R [--name N]\n"
		      "                       [--company ID]... [--worker ID] [--password-file F]\n"
		      "        socle user passwd --config F --service ID --email E [--password-file F]\n"
		      "        socle user disable --config F --service ID --email E\n"
		      "Le mot de passe (12 caractères au moins) est lu dans --password-file ou sur la\n"
		      "première ligne de l'entrée standard. disable révoque aussi les sessions.\n",
		      stdout);
		return 0;
	}
	if (need(a.config, "--config") || need(a.service, "--service") || need(a.email, "--email"))
		return EXIT_USAGE;
	if (strcmp(job.verb, "add") == 0) {
		if (need(a.role, "--role"))
			return EXIT_USAGE;
		job.role = socle_role_parse(a.role);
		if (job.role == 0) {
			fprintf(stderr, "socle : rôle inconnu « %s » (voir socle --help)\n", a.role);
			return EXIT_USAGE;
		}
	}
	char *password = NULL;
	if (strcmp(job.verb, "disable") != 0) {
		password = read_password(a.password_file);
		if (password == NULL) {
			fputs("socle : mot de passe absent\n", stderr);
			return EXIT_USAGE;
		}
	}
	job.password = password;
	socle_core *core = open_deployment(&a, false);
	if (core == NULL) {
		free(password);
		return EXIT_PROBLEM;
	}
	socle_service *svc = socle_core_service(core, a.service);
	socle_err err = SOCLE_ERR_INIT;
	int rc;

	if (svc == NULL) {
		fprintf(stderr, "socle : service inconnu « %s »\n", a.service);
		rc = EXIT_USAGE;
	} else if (socle_service_write(svc, user_write, &job, &err) != 0) {
		fprintf(stderr, "socle : %s\n", err.msg);
		rc = err.code == SOCLE_E_EXISTS ? 3 : EXIT_PROBLEM;
	} else {
		printf("compte %s (%s) : %s fait\n", a.email, a.service, job.verb);
		rc = 0;
	}
	if (password)
		memset(password, 0, strlen(password));
	free(password);
	core_close(core);
	return rc;
}

static int cmd_backup(const struct cli_args *a)
{
	if (a->help) {
		fputs("Usage : socle backup --config FICHIER --service ID --to FICHIER\n"
		      "Sauvegarde à chaud de la base du service (le service peut continuer à servir),\n"
		      "puis vérifie la copie avec PRAGMA integrity_check ; copie les fichiers du\n"
		      "service (stockage de fichiers du cœur) dans FICHIER.files/ en vérifiant le\n"
		      "SHA-256 de chacun.\n", stdout);
		return 0;
	}
	if (need(a->config, "--config") || need(a->service, "--service") || need(a->to, "--to"))
		return EXIT_USAGE;
	socle_core *core = open_deployment(a, false);
	if (core == NULL)
		return EXIT_PROBLEM;
	socle_service *svc = socle_core_service(core, a->service);
	socle_err err = SOCLE_ERR_INIT;
	int rc = 0, files = 0;

	if (svc == NULL) {
		fprintf(stderr, "socle : service inconnu « %s »\n", a->service);
		rc = EXIT_USAGE;
	} else if (store_backup(svc, a->to, &err) != 0) {
		fprintf(stderr, "socle : sauvegarde échouée : %s\n", err.msg);
		rc = EXIT_PROBLEM;
	} else if (filestore_backup(svc, a->to, &files, &err) != 0) {
		/* The database copy without its files is no backup: say so loudly. */
		fprintf(stderr, "socle : sauvegarde des fichiers échouée : %s\n", err.msg);
		rc = EXIT_PROBLEM;
	} else {
		printf("sauvegarde de %s écrite dans %s (integrity_check : ok ; %d fichier%s copié%s "
		       "et vérifié%s (SHA-256) dans %s.files)\n", a->service, a->to, files,
		       files > 1 ? "s" : "", files > 1 ? "s" : "", files > 1 ? "s" : "", a->to);
	}
	core_close(core);
	return rc;
}

int socle_cli_main(int argc, char **argv)
{
	struct cli_args a = {0};

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_main, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("socle %s (ABI %u.%u)\n", SOCLE_VERSION, SOCLE_ABI_MAJOR, SOCLE_ABI_MINOR);
		return 0;
	}
	if (strcmp(argv[1], "user") == 0)
		return cmd_user(argc - 1, argv + 1);
	if (parse_args(argc - 1, argv + 1, &a) != 0)
		return EXIT_USAGE;
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(&a);
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(&a);
	if (strcmp(argv[1], "migrate") == 0)
		return cmd_migrate(&a);
	if (strcmp(argv[1], "backup") == 0)
		return cmd_backup(&a);
	fprintf(stderr, "socle : commande inconnue « %s »\n\n%s", argv[1], usage_main);
	return EXIT_USAGE;
}
