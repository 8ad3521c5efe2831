#pragma once

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace qd::ui {

// File > Connect to a server: a postgresql:// or mariadb:// URL, the TLS mode (sslmode) and the CA file
// (sslrootcert) that the server's certificate must be signed by. The TLS choice lives in its own fields; a URL typed
// or pasted with sslmode or sslrootcert in it moves them there. The URL is checked as it is typed (core's
// DatabaseUrl): Connect is enabled only when it parses, and the reason is shown when it does not. Nothing here
// connects: `urlAccepted` hands the URL to whoever opens it (DatabaseOpener, on a pool thread).
//
// Thread contract: GUI thread only.
class ServerConnectDialog : public QDialog {
    Q_OBJECT
public:
    explicit ServerConnectDialog(QWidget* parent = nullptr);

    // Fills the fields from a URL (the TLS options go to their own fields).
    void setUrl(const QString& text);
    // The URL to connect to: the typed one with the TLS fields' choice.
    QString url() const;
    // Why url() cannot be connected to; empty when it can.
    QString problem() const;

    void accept() override;

Q_SIGNALS:
    void urlAccepted(const QString& url);

private:
    void takeTlsOptionsFromUrlField();
    void chooseCaFile();
    void updateState();

    QLineEdit* m_urlEdit;
    QComboBox* m_tlsMode;
    QLineEdit* m_caFile;
    QPushButton* m_browse;
    QLabel* m_problem;
    QDialogButtonBox* m_buttons;
};

} // namespace qd::ui
