// The Connect to a server dialog (issue 22): the TLS mode and the CA file become the URL's sslmode and
// sslrootcert, a URL with them in it fills those fields, bad input is explained as it is typed and cannot be
// accepted, and through the window the chosen TLS reaches the connection.
#include "core/databaseurl.h"
#include "ui/mainwindow.h"
#include "ui/messagebar.h"
#include "ui/serverconnectdialog.h"
#include "uitesthelpers.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QFileDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUrlQuery>

using namespace qd;
using namespace qd::ui;

namespace {

QUrlQuery queryOf(const QString& url)
{
    return QUrlQuery(QUrl(url));
}

} // namespace

class TestServerConnectDialog : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("QueueDeskTests"));
        QApplication::setApplicationName(QStringLiteral("tst_serverconnectdialog"));
        QSettings().clear();
    }

    void tlsChoiceAndCaFileBecomeTheUrlsOptions()
    {
        QTemporaryDir dir;
        const QString ca = dir.filePath(QStringLiteral("team ca.pem"));
        QFile file(ca);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        ServerConnectDialog dialog;
        dialog.show();
        auto* url = dialog.findChild<QLineEdit*>(QStringLiteral("serverUrlEdit"));
        auto* mode = dialog.findChild<QComboBox*>(QStringLiteral("tlsModeBox"));
        auto* caFile = dialog.findChild<QLineEdit*>(QStringLiteral("caFileEdit"));
        auto* connectButton = dialog.findChild<QPushButton*>(QStringLiteral("connectButton"));
        QVERIFY(url && mode && caFile && connectButton);
        QTest::keyClicks(url, QStringLiteral("postgresql://ops:hunter2@db.example:5432/queues"));
        QVERIFY(connectButton->isEnabled());
        QCOMPARE(dialog.url(), QStringLiteral("postgresql://ops:hunter2@db.example:5432/queues"));

        // The CA picked in the file dialog; picking one asks for full verification.
        QTest::mouseClick(dialog.findChild<QPushButton*>(QStringLiteral("caFileBrowse")), Qt::LeftButton);
        QFileDialog* files = nullptr;
        QTRY_VERIFY((files = dialog.findChild<QFileDialog*>(QStringLiteral("caFileDialog"))));
        Q_EMIT files->fileSelected(ca);
        files->close();
        QCOMPARE(caFile->text(), ca);
        QCOMPARE(mode->currentData().toString(), QStringLiteral("verify-full"));
        if (const QString shots = qEnvironmentVariable("QD_SCREENSHOT_DIR"); !shots.isEmpty())
            dialog.grab().save(shots + QStringLiteral("/connect-server-tls.png"));

        const Result<DatabaseUrl> chosen = DatabaseUrl::parse(dialog.url());
        QVERIFY2(chosen, qPrintable(chosen.errorString()));
        QCOMPARE(chosen->tls.mode, TlsMode::VerifyFull);
        QCOMPARE(chosen->tls.rootCert, ca);
        QCOMPARE(chosen->password, QStringLiteral("hunter2"));

        mode->setCurrentIndex(mode->findData(QStringLiteral("verify-ca")));
        QCOMPARE(queryOf(dialog.url()).queryItemValue(QStringLiteral("sslmode")), QStringLiteral("verify-ca"));
        QSignalSpy accepted(&dialog, &ServerConnectDialog::urlAccepted);
        QTest::mouseClick(connectButton, Qt::LeftButton);
        QCOMPARE(accepted.size(), 1);
        QCOMPARE(DatabaseUrl::parse(accepted.first().first().toString())->tls.mode, TlsMode::VerifyCa);
    }

    void urlWithTlsOptionsFillsTheFields()
    {
        ServerConnectDialog dialog;
        dialog.setUrl(QStringLiteral("mariadb://ops@10.0.0.5:3306/queues?schema=a&sslmode=verify-ca"
                                     "&sslrootcert=/etc/qd/ca.pem"));
        auto* url = dialog.findChild<QLineEdit*>(QStringLiteral("serverUrlEdit"));
        QCOMPARE(url->text(), QStringLiteral("mariadb://ops@10.0.0.5:3306/queues?schema=a"));
        QCOMPARE(dialog.findChild<QComboBox*>(QStringLiteral("tlsModeBox"))->currentData().toString(),
            QStringLiteral("verify-ca"));
        QCOMPARE(dialog.findChild<QLineEdit*>(QStringLiteral("caFileEdit"))->text(), QStringLiteral("/etc/qd/ca.pem"));
        const Result<DatabaseUrl> parsed = DatabaseUrl::parse(dialog.url());
        QVERIFY2(parsed, qPrintable(parsed.errorString()));
        QCOMPARE(parsed->schema, QStringLiteral("a"));
        QCOMPARE(parsed->tls.rootCert, QStringLiteral("/etc/qd/ca.pem"));
    }

    void badChoicesAreExplainedAndCannotBeAccepted()
    {
        ServerConnectDialog dialog;
        dialog.show();
        auto* mode = dialog.findChild<QComboBox*>(QStringLiteral("tlsModeBox"));
        auto* problem = dialog.findChild<QLabel*>(QStringLiteral("serverUrlProblem"));
        auto* connectButton = dialog.findChild<QPushButton*>(QStringLiteral("connectButton"));
        dialog.setUrl(QStringLiteral("mariadb://ops@db.example/queues"));
        QVERIFY(connectButton->isEnabled());
        QVERIFY(problem->isHidden());
        // MariaDB's client has no prefer; the reason is shown and Connect is off.
        mode->setCurrentIndex(mode->findData(QStringLiteral("prefer")));
        QVERIFY(!connectButton->isEnabled());
        QVERIFY(problem->isVisible());
        QVERIFY2(problem->text().contains(QLatin1String("not available on MariaDB")), qPrintable(problem->text()));
        if (const QString shots = qEnvironmentVariable("QD_SCREENSHOT_DIR"); !shots.isEmpty())
            dialog.grab().save(shots + QStringLiteral("/connect-server-problem.png"));
        QSignalSpy accepted(&dialog, &ServerConnectDialog::urlAccepted);
        dialog.accept();
        QVERIFY(dialog.isVisible());
        QCOMPARE(accepted.size(), 0);
        // TLS asked of a Unix socket would be a silent no-op in libpq: refused with the reason.
        dialog.setUrl(QStringLiteral("postgresql:///queues?host=/run/postgresql"));
        mode->setCurrentIndex(mode->findData(QStringLiteral("verify-full")));
        QVERIFY(!connectButton->isEnabled());
        QVERIFY2(problem->text().contains(QLatin1String("needs a TCP connection")), qPrintable(problem->text()));
        mode->setCurrentIndex(mode->findData(QString()));
        QVERIFY(connectButton->isEnabled());
    }

    // Through the window: the TLS choice travels to the connection (a CA file that is not there is reported before
    // anything is sent), and the recent server is kept with its TLS but without the password.
    void theWindowConnectsWithTheChosenTls()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        MainWindow window(engine);
        window.show();
        window.action(QStringLiteral("connectServer"))->trigger();
        ServerConnectDialog* dialog = nullptr;
        QTRY_VERIFY((dialog = window.findChild<ServerConnectDialog*>(QStringLiteral("connectServerDialog"))));
        dialog->setUrl(QStringLiteral("postgresql://ops:hunter2@127.0.0.1:1/queues"));
        auto* mode = dialog->findChild<QComboBox*>(QStringLiteral("tlsModeBox"));
        mode->setCurrentIndex(mode->findData(QStringLiteral("verify-full")));
        dialog->findChild<QLineEdit*>(QStringLiteral("caFileEdit"))->setText(dir.filePath(QStringLiteral("no-ca.pem")));
        dialog->accept();
        QTRY_VERIFY_WITH_TIMEOUT(window.messageBar()->isVisible(), 15000);
        const QString shown = window.messageBar()->text();
        QVERIFY2(shown.contains(QLatin1String("no-ca.pem does not exist")), qPrintable(shown));
        QVERIFY2(!shown.contains(QLatin1String("hunter2")), qPrintable(shown));
        const QString remembered = QSettings().value(QStringLiteral("lastServer")).toString();
        QVERIFY2(
            remembered.contains(QLatin1String("sslmode=verify-full")) && !remembered.contains(QLatin1String("hunter2")),
            qPrintable(remembered));
    }
};

QTEST_MAIN(TestServerConnectDialog)
#include "tst_serverconnectdialog.moc"
