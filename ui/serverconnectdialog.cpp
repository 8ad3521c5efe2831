#include "serverconnectdialog.h"

#include "themecolors.h"

#include "core/databaseurl.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QUrl>
#include <QUrlQuery>
#include <QVBoxLayout>

namespace qd::ui {

namespace {

const QString sslModeKey = QStringLiteral("sslmode");
const QString rootCertKey = QStringLiteral("sslrootcert");

} // namespace

ServerConnectDialog::ServerConnectDialog(QWidget* parent)
    : QDialog(parent)
    , m_urlEdit(new QLineEdit(this))
    , m_tlsMode(new QComboBox(this))
    , m_caFile(new QLineEdit(this))
    , m_browse(new QPushButton(tr("Browse\u2026"), this))
    , m_problem(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("connectServerDialog"));
    setWindowTitle(tr("Connect to PostgreSQL or MariaDB"));
    m_urlEdit->setObjectName(QStringLiteral("serverUrlEdit"));
    m_urlEdit->setPlaceholderText(QStringLiteral("postgresql://user@host:5432/dbname"));
    m_urlEdit->setMinimumWidth(480);
    auto* hint = new QLabel(tr("postgresql://user@host:5432/dbname, postgresql:///dbname?host=/run/postgresql or "
                               "mariadb://user@host:3306/dbname. A password may go in the URL or in ~/.pgpass; it "
                               "is never kept in the recent list."),
        this);
    hint->setWordWrap(true);
    hint->setEnabled(false);

    m_tlsMode->setObjectName(QStringLiteral("tlsModeBox"));
    m_tlsMode->addItem(tr("Not set (PostgreSQL: prefer; MariaDB: no TLS)"), QString());
    m_tlsMode->addItem(tr("Off (disable)"), tlsModeName(TlsMode::Disable));
    m_tlsMode->addItem(tr("If the server offers it (prefer; PostgreSQL only)"), tlsModeName(TlsMode::Prefer));
    m_tlsMode->addItem(tr("Required, certificate not checked (require)"), tlsModeName(TlsMode::Require));
    m_tlsMode->addItem(tr("Certificate signed by the CA (verify-ca)"), tlsModeName(TlsMode::VerifyCa));
    m_tlsMode->addItem(
        tr("Certificate signed by the CA and for this host (verify-full)"), tlsModeName(TlsMode::VerifyFull));

    m_caFile->setObjectName(QStringLiteral("caFileEdit"));
    m_caFile->setPlaceholderText(tr("PEM file of the CA (empty: the client library's default)"));
    m_browse->setObjectName(QStringLiteral("caFileBrowse"));
    auto* caRow = new QHBoxLayout;
    caRow->addWidget(m_caFile, 1);
    caRow->addWidget(m_browse);

    m_problem->setObjectName(QStringLiteral("serverUrlProblem"));
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(textColorStyle(errorTextColor()));
    m_problem->setTextInteractionFlags(Qt::TextSelectableByMouse);

    QPushButton* connectButton = m_buttons->addButton(tr("Connect"), QDialogButtonBox::AcceptRole);
    connectButton->setObjectName(QStringLiteral("connectButton"));
    connectButton->setDefault(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Server &URL:"), m_urlEdit);
    form->addRow(QString(), hint);
    form->addRow(tr("&TLS:"), m_tlsMode);
    auto* caLabel = new QLabel(tr("&CA certificate:"), this);
    caLabel->setBuddy(m_caFile); // a row of a layout has no buddy of its own
    form->addRow(caLabel, caRow);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addStretch(1);
    layout->addWidget(m_buttons);

    connect(m_urlEdit, &QLineEdit::textChanged, this, &ServerConnectDialog::updateState);
    connect(m_urlEdit, &QLineEdit::editingFinished, this, &ServerConnectDialog::takeTlsOptionsFromUrlField);
    connect(m_tlsMode, &QComboBox::currentIndexChanged, this, &ServerConnectDialog::updateState);
    connect(m_caFile, &QLineEdit::textChanged, this, &ServerConnectDialog::updateState);
    connect(m_browse, &QPushButton::clicked, this, &ServerConnectDialog::chooseCaFile);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &ServerConnectDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &ServerConnectDialog::reject);
    updateState();
}

void ServerConnectDialog::setUrl(const QString& text)
{
    m_urlEdit->setText(text.trimmed());
    takeTlsOptionsFromUrlField();
}

// sslmode and sslrootcert typed into the URL move to their fields, so the fields are the one place they are set.
void ServerConnectDialog::takeTlsOptionsFromUrlField()
{
    const QString text = m_urlEdit->text().trimmed();
    if (!isServerUrl(text))
        return;
    QUrl url(text, QUrl::StrictMode);
    QUrlQuery query(url);
    if (!url.isValid() || (!query.hasQueryItem(sslModeKey) && !query.hasQueryItem(rootCertKey)))
        return;
    if (query.hasQueryItem(sslModeKey)) {
        const int index = m_tlsMode->findData(query.queryItemValue(sslModeKey, QUrl::FullyDecoded));
        if (index < 0)
            return; // an unknown mode stays in the URL, where the problem line names it
        m_tlsMode->setCurrentIndex(index);
    }
    if (query.hasQueryItem(rootCertKey))
        m_caFile->setText(query.queryItemValue(rootCertKey, QUrl::FullyDecoded));
    query.removeAllQueryItems(sslModeKey);
    query.removeAllQueryItems(rootCertKey);
    url.setQuery(query);
    m_urlEdit->setText(url.toString());
}

QString ServerConnectDialog::url() const
{
    const QString text = m_urlEdit->text().trimmed();
    const QString mode = m_tlsMode->currentData().toString();
    const QString ca = m_caFile->text().trimmed();
    if (!isServerUrl(text) || (mode.isEmpty() && ca.isEmpty()))
        return text;
    QUrl url(text, QUrl::StrictMode);
    QUrlQuery query(url);
    query.removeAllQueryItems(sslModeKey);
    query.removeAllQueryItems(rootCertKey);
    if (!mode.isEmpty())
        query.addQueryItem(sslModeKey, mode);
    if (!ca.isEmpty())
        query.addQueryItem(rootCertKey, QString::fromLatin1(QUrl::toPercentEncoding(ca, "/")));
    url.setQuery(query);
    return url.toString(QUrl::FullyEncoded); // a path's spaces stay encoded, so the URL parses strictly
}

QString ServerConnectDialog::problem() const
{
    const QString text = m_urlEdit->text().trimmed();
    if (text.isEmpty())
        return tr("Type the server's URL.");
    if (!isServerUrl(text))
        return tr("%1 is not a postgresql:// or mariadb:// URL; use File > Open for a file.").arg(text);
    const Result<DatabaseUrl> parsed = DatabaseUrl::parse(url());
    return parsed ? QString() : parsed.errorString();
}

void ServerConnectDialog::chooseCaFile()
{
    // Not modal to the application: the dialog stays responsive, and tests can answer it.
    auto* files = new QFileDialog(this, tr("CA certificate"),
        m_caFile->text().isEmpty() ? QString() : QFileInfo(m_caFile->text()).absolutePath(),
        tr("Certificates (*.pem *.crt *.cer);;All files (*)"));
    files->setObjectName(QStringLiteral("caFileDialog"));
    files->setAttribute(Qt::WA_DeleteOnClose);
    files->setFileMode(QFileDialog::ExistingFile);
    connect(files, &QFileDialog::fileSelected, this, [this](const QString& path) {
        m_caFile->setText(path);
        // A CA is only used to verify: choosing one asks for verification, the full kind unless verify-ca was chosen.
        if (m_tlsMode->currentData().toString() != tlsModeName(TlsMode::VerifyCa))
            m_tlsMode->setCurrentIndex(m_tlsMode->findData(tlsModeName(TlsMode::VerifyFull)));
    });
    files->open();
}

void ServerConnectDialog::updateState()
{
    const QString why = problem();
    m_problem->setText(why);
    m_problem->setVisible(!why.isEmpty());
    for (QAbstractButton* button : m_buttons->buttons()) {
        if (m_buttons->buttonRole(button) == QDialogButtonBox::AcceptRole)
            button->setEnabled(why.isEmpty());
    }
}

void ServerConnectDialog::accept()
{
    updateState();
    if (!problem().isEmpty())
        return; // stays open, the reason shown
    const QString chosen = url();
    QDialog::accept();
    Q_EMIT urlAccepted(chosen);
}

} // namespace qd::ui
