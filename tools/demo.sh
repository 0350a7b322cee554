#!/bin/sh
# Create (or refresh) the demo deployment under <build>/demo from
# examples/deployment: config, scripts, web files, databases migrated, and one
# account per role in each service. Accounts that exist are kept. Prints the
# logins. Usage: tools/demo.sh BUILD_DIR [DEMO_DIR]
#   BUILD_DIR  where the socle binary was built (build/release)
#   DEMO_DIR   where to create the deployment (default BUILD_DIR/demo; the
#              walkthroughs' test gives a temporary folder)
set -eu
BUILD=${1:?usage: tools/demo.sh BUILD_DIR [DEMO_DIR]}
SRC=$(cd "$(dirname "$0")/.." && pwd)
DEMO=${2:-"$BUILD/demo"}
SOCLE="$BUILD/socle"

mkdir -p "$DEMO/data"
cp "$SRC/examples/deployment/socle.json" "$DEMO/socle.json"
rm -rf "$DEMO/services" "$DEMO/web"
cp -R "$SRC/examples/deployment/services" "$SRC/examples/deployment/web" "$DEMO/"
# The curl walkthroughs, linked from the home page (served as downloads).
mkdir -p "$DEMO/web/walkthroughs"
cp "$SRC"/examples/walkthroughs/*.sh "$DEMO/web/walkthroughs/"

"$SOCLE" migrate --config "$DEMO/socle.json" >/dev/null

PASSWORD="demo-socle-2026"
add_user() { # service email role name [extra options]
	svc=$1 email=$2 role=$3 name=$4
	shift 4
	rc=0
	printf '%s\n' "$PASSWORD" | "$SOCLE" user add --config "$DEMO/socle.json" --service "$svc" \
		--email "$email" --role "$role" --name "$name" "$@" >/dev/null 2>&1 || rc=$?
	# 3: the account already exists (a previous `make run`): keep it.
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
		echo "demo: could not create $email in $svc (exit $rc)" >&2
		exit 1
	fi
}

for svc in demo demo-est; do
	add_user "$svc" "admin@$svc.example" service_admin "Administratrice du service"
	add_user "$svc" "medecin@$svc.example" medecin "Dr Claire Martin"
	add_user "$svc" "infirmier@$svc.example" infirmier "Julien Petit"
	add_user "$svc" "iprp@$svc.example" iprp "Nadia Roux"
	add_user "$svc" "assistante@$svc.example" assistant_medical "Sophie Bernard"
	add_user "$svc" "social@$svc.example" assistant_social "Léa Fontaine"
	add_user "$svc" "employeur@$svc.example" employer "Marc Durand (Boulangerie Durand)" --company 1
	# Worker 1 of membership's demo data (deterministic): Sébastien Benali.
	add_user "$svc" "salarie@$svc.example" employee "Sébastien Benali" --worker 1
done

cat <<INFO

Déploiement de démonstration prêt : $DEMO/socle.json
Services : demo (SPSTI de démonstration), demo-est (règles de salutation différentes)
Comptes de démonstration (mot de passe commun : $PASSWORD), pour chaque service SVC :
  admin@SVC.example        administratrice du service
  medecin@SVC.example      médecin du travail
  infirmier@SVC.example    infirmier en santé au travail
  iprp@SVC.example         IPRP
  assistante@SVC.example   assistante médicale
  social@SVC.example       assistante de service social (cellule PDP)
  employeur@SVC.example    employeur (entreprise 1)
  salarie@SVC.example      salarié (travailleur 1, Sébastien Benali)
Essai :
  curl -s -X POST http://127.0.0.1:8080/api/v1/demo/auth/login \\
       -H 'Content-Type: application/json' \\
       -d '{"email":"admin@demo.example","password":"$PASSWORD"}'
Parcours commentés avec curl (la démo lancée, depuis la racine du dépôt) :
  OUTBOX=$DEMO/outbox sh examples/walkthroughs/01-adhesion-a-declaration.sh
  OUTBOX=$DEMO/outbox sh examples/walkthroughs/02-declaration-a-la-convocation.sh
  (après l'heure de la visite) OUTBOX=$DEMO/outbox REQUEST=N \\
    sh examples/walkthroughs/03-visite-et-documents.sh
  OUTBOX=$DEMO/outbox sh examples/walkthroughs/04-demande-du-salarie.sh
  (puis, la visite commencée) OUTBOX=$DEMO/outbox REQUEST=N \\
    sh examples/walkthroughs/04-demande-du-salarie.sh
INFO
